package io.modelwarden.detect.serving;

/** Per-key state of {@link RateDetector}: 60 one-second buckets and the key's per-minute EWMA. */
public final class RateState {
    /** Events per second, ring-indexed by epoch second mod 60. */
    public int[] secondCounts;
    /** Epoch second of the newest bucket; Long.MIN_VALUE before the first event. */
    public long newestSecond = Long.MIN_VALUE;
    /** Events in the last 60 s (the sum of the buckets). */
    public long count60;
    /** Event time of the key's first event: minutes are counted from here, so none is partial. */
    public long firstMillis;
    /** Minute index (from firstMillis) being counted, and its count so far. */
    public long minuteIndex;
    public long minuteCount;
    /** EWMA of completed per-minute counts, and of their squared deviation. */
    public double ewmaMean;
    public double ewmaVariance;
    /** Completed minutes folded into the EWMA. */
    public long historyMinutes;
    public boolean rateAlerting;
    /**
     * The key was already active when the monitor started (first seen within warm-up minutes of the
     * monitor's first event): its history is unknown, not empty, so the static limit waits for it.
     */
    public boolean predatesMonitor;
    /** Payload anomalies seen, and the epoch minute of the last payload alert. */
    public long payloadAnomalies;
    public long lastPayloadAlertMinute = Long.MIN_VALUE;

    public RateState() {}
}
