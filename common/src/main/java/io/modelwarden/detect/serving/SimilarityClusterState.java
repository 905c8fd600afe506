package io.modelwarden.detect.serving;

/** Per-key state of {@link SimilarityClusterDetector}: a ring of recent z-vectors. */
public final class SimilarityClusterState {
    /**
     * Recent z-vectors, column-major: feature j of the vector in slot i at {@code j * window + i}, slots
     * ring-indexed by {@link #queries}. Column-major so that the similarities to all slots run as vector
     * loops ({@link ColumnDistances}).
     */
    public float[] columns;
    /**
     * The same ring row-major ([slot * d + j]), as builds before the column-major layout kept it: null in
     * state this build writes; state restored from an earlier savepoint is moved to {@link #columns} at
     * its next event.
     */
    public float[] vectors;
    /** Their L2 norms. */
    public float[] norms;
    /** Their event ids and times. */
    public String[] eventIds;
    public long[] times;
    public long queries;
    public boolean alerting;

    public SimilarityClusterState() {}
}
