package io.modelwarden.detect.serving;

/** Per-key state of {@link SimilarityClusterDetector}: a ring of recent z-vectors. */
public final class SimilarityClusterState {
    /** Recent z-vectors, [slot * d + j], ring-indexed by {@link #queries}. */
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
