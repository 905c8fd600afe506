package io.modelwarden.detect.serving;

/**
 * Per-client state of {@link StatefulKnnDetector}: a ring buffer of encoded queries (Flink POJO), grown as it fills. With a
 * baseline the queries are z-scores kept as int8 codes ({@code columns}); without one, raw features are
 * kept as floats ({@code raw}). Only one of the two is non-empty.
 */
public final class StatefulKnnState {
    /** Feature dimensions, 0 before the first event. */
    public int dims;
    /**
     * [dims][slots] ring of int8 codes round(z / quantum) (z-space, with a baseline), column-major: feature
     * j of the query in slot i at {@code j * slots + i}, slots = length / dims (grown up to buffer-size).
     * Column-major so that the distances to all slots run as vector loops ({@link ColumnDistances}).
     */
    public byte[] columns = new byte[0];
    /**
     * The same ring row-major ([slots][dims]), as builds before the column-major layout kept it: empty in
     * state this build writes; state restored from an earlier savepoint is moved to {@link #columns} at
     * its next event.
     */
    public byte[] buffer = new byte[0];
    /** [buffer-size][dims] ring of raw feature vectors (floats), only without a baseline. */
    public float[] raw = new float[0];
    /** Event time of each buffered query, in milliseconds after {@code timeBase}. */
    public int[] times = new int[0];
    public long timeBase;
    /** Queries inserted since the last clear (ring position = count % buffer-size). */
    public int count;
    /** Consecutive queries with s < tau. */
    public int consecutive;
    public long alarms;
    public double lastScore = Double.NaN;
    /** Exact-repeat ring of recent feature hashes. */
    public long[] recent = new long[0];
    public int recentNext;

    public StatefulKnnState() {}

    /**
     * Queries currently in the buffer. The rings grow as they fill ({@link Rings}), so {@code times} is
     * never shorter than the count of a buffer that has not yet wrapped, and is at full size once it has.
     */
    public int size() {
        return Math.min(count, times.length);
    }
}
