package io.modelwarden.scan;

/**
 * A small aggregate a scan job hands back to the client (a profile, score statistics, finding
 * statistics, rejected-row counts): a tag and a serialised payload. One collected stream per job
 * carries them all. A Flink POJO.
 */
public final class ScanOutput {
    public static final String PROFILE = "profile";
    public static final String REJECTED_COUNTS = "rejected-counts";
    public static final String SCORE_STATS = "score-stats";
    public static final String FINDING_STATS = "finding-stats";
    public static final String FINGERPRINTS = "fingerprints";
    /** The duplicate grouping's count of extra copies (a long). */
    public static final String EXTRA_COPIES = "extra-copies";

    public String kind;
    public byte[] payload;

    public ScanOutput() {}

    public ScanOutput(String kind, byte[] payload) {
        this.kind = kind;
        this.payload = payload;
    }
}
