package io.modelwarden.detect.serving;

/** Per-client state of {@link CoverageDetector}: a Flink POJO of primitive arrays, sized by the settings. */
public final class CoverageState {
    /** HyperLogLog registers (2^p bytes): max leading-zero rank per register of the OOD queries' cell hashes. */
    public byte[] registers;
    /** OOD flags of the last {@code window} queries, one bit each, ring-indexed by {@link #queries}. */
    public long[] oodBits;
    /** Event times of the last {@code window} queries, ring-indexed by {@link #queries}. */
    public long[] times = new long[0];
    /** Queries observed (with a usable feature vector). */
    public long queries;
    /** OOD queries currently in the window. */
    public int oodInWindow;
    /** True while the OOD-share rule is above its threshold (one alert per episode). */
    public boolean oodAlerting;
    /** The distinct-OOD-cell count from which the growth rule may alert next (doubles after each alert). */
    public long nextCellAlert;
    /** The last distinct-OOD-cell estimate (it changes only when an OOD query arrives). */
    public long lastCells;

    public CoverageState() {}
}
