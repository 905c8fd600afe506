package io.modelwarden.detect.serving;

/** Per-client state of {@link ExplanationAbuseDetector}: one-minute buckets of the window. */
public final class ExplanationAbuseState {
    /** Queries per minute bucket, ring-indexed by epoch minute. */
    public int[] queries;
    /** Explanation requests per minute bucket. */
    public int[] explanations;
    /** Epoch minute of the newest bucket; Long.MIN_VALUE before the first event. */
    public long newestMinute = Long.MIN_VALUE;
    public long windowQueries;
    public long windowExplanations;
    public boolean alerting;

    public ExplanationAbuseState() {}
}
