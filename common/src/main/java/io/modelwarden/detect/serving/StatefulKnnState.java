package io.modelwarden.detect.serving;

/** Per-client state of {@link StatefulKnnDetector}: a ring buffer of encoded queries (Flink POJO). */
public final class StatefulKnnState {
    /** Feature dimensions, 0 before the first event. */
    public int dims;
    /** [buffer-size][dims] ring of encoded queries (floats). */
    public float[] buffer = new float[0];
    /** Event time of each buffered query. */
    public long[] times = new long[0];
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

    /** Queries currently in the buffer. */
    public int size() {
        return Math.min(count, times.length);
    }
}
