package io.modelwarden.connect;

import java.io.Serializable;

/**
 * How the scan's CSV files are cut into records and fields: the field delimiter
 * ({@code scan.csv.delimiter}) and the longest record that may span lines
 * ({@code scan.csv.max-record-bytes}, see {@link CsvRecords}).
 */
public record CsvDialect(char delimiter, int maxRecordBytes) implements Serializable {
    /** Below this a quoted field could not even hold an ordinary row. */
    public static final int MIN_RECORD_BYTES = 1024;

    public CsvDialect {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("the delimiter cannot be a quote or a line end");
        }
        if (maxRecordBytes < MIN_RECORD_BYTES) {
            throw new IllegalArgumentException("maxRecordBytes must be at least " + MIN_RECORD_BYTES + ": " + maxRecordBytes);
        }
    }
}
