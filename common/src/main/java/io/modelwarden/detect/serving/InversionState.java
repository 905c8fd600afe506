package io.modelwarden.detect.serving;

/** Per-client state of {@link InversionDetector}: a Flink POJO of primitive arrays, sized by the settings. */
public final class InversionState {
    /** Percentile bins (0..100) of the previous query's features. */
    public byte[] previousBins;
    /**
     * Per window slot, how the query differed from its predecessor: {@link InversionDetector#SAME} (no
     * feature), {@link InversionDetector#MANY} (two or more), {@link InversionDetector#NONE} (no
     * predecessor), else the index of the one feature that changed.
     */
    public short[] pairKind;
    /** Per slot, the changed feature's new percentile bin (when pairKind is a feature index). */
    public byte[] pairValue;
    /** Per slot, a hash of the predicted label (0 without a prediction). */
    public int[] labelHash;
    /** Per slot, the predicted class's probability (NaN without one). */
    public float[] confidence;
    /** Per slot, whether the query was out of distribution. */
    public boolean[] ood;
    /** Per slot, the event time. */
    public long[] times;
    /** Queries observed. */
    public long queries;
    /** Single-feature changes per feature currently in the window. */
    public int[] singleChanges;
    /** Pairs in the window that differ in at most one feature. */
    public int nearPairs;
    public boolean sweepAlerting;
    public boolean trendAlerting;

    public InversionState() {}
}
