package io.modelwarden.connect;

/**
 * One record as a reader produced it, before validation: either a CSV text line (parsed later, in
 * parallel) or a Parquet record already converted to values. A Flink POJO.
 */
public final class RawRecord {
    public int fileIndex;
    /** 0-based position among the data rows of the file (the CSV header is not counted). */
    public long rowIndex;
    /** The CSV line; null for Parquet records. */
    public String line;
    /** Parquet: the feature values in feature-column order (NaN where the cell was null). */
    public double[] values;
    /** Parquet: the label and id cells as text (null when absent). */
    public String label;
    public String id;
    /** Parquet: the category columns' cells as text (null where absent), in category-column order; null when there are none. */
    public String[] categories;
    /** Parquet: why the record could not be converted, or null. */
    public String error;
    /** Parquet: which column and value the error concerns. */
    public String errorDetail;

    public RawRecord() {}

    public static RawRecord line(int fileIndex, long rowIndex, String line) {
        RawRecord r = new RawRecord();
        r.fileIndex = fileIndex;
        r.rowIndex = rowIndex;
        r.line = line;
        return r;
    }
}
