package io.modelwarden.detect.serving;

/** Per-client state of {@link BoundaryProbeDetector} (Flink POJO): windowed flags and the last few queries. */
public final class BoundaryProbeState {
    public int dims;
    /** Queries counted so far (window ring position = count % window). */
    public long count;
    /** Per window slot: 1 when the query was low-margin / a label-flipping near-duplicate. */
    public byte[] lowMargin = new byte[0];
    public byte[] flip = new byte[0];
    public long[] times = new long[0];
    public int lowMarginCount;
    public int flipCount;
    /** The last compare-last encoded queries and their predicted labels (ring, position = count % n). */
    public float[] lastVectors = new float[0];
    public String[] lastLabels = new String[0];
    public long alarms;
    /** Exact-repeat ring of recent feature hashes. */
    public long[] recent = new long[0];
    public int recentNext;

    public BoundaryProbeState() {}
}
