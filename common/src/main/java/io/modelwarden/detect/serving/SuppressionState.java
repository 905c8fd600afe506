package io.modelwarden.detect.serving;

/**
 * Per-client state of {@link AlertSuppression} (Flink POJO): for each detector that alerted, the event
 * time and score of the last alert let through. At most one slot per detector id (about a dozen).
 */
public final class SuppressionState {
    public String[] detectors = new String[0];
    public long[] lastEmittedMillis = new long[0];
    public double[] lastScore = new double[0];
    public long suppressed;

    public SuppressionState() {}
}
