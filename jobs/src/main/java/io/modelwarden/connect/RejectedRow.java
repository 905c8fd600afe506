package io.modelwarden.connect;

/** A row that could not be used, with the reason; written to rejected.jsonl. A Flink POJO. */
public final class RejectedRow {
    public int fileIndex;
    public long rowIndex;
    /** A short, stable reason category ("wrong column count", "unparsable number", ...). */
    public String reason;
    /** Details: the column and the offending value. */
    public String detail;
    /** The raw record, truncated to a few hundred characters. */
    public String raw;

    public RejectedRow() {}

    public RejectedRow(int fileIndex, long rowIndex, String reason, String detail, String raw) {
        this.fileIndex = fileIndex;
        this.rowIndex = rowIndex;
        this.reason = reason;
        this.detail = detail;
        this.raw = raw;
    }
}
