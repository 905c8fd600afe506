package io.modelwarden.connect;

import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * How the scan's CSV files are cut into records and fields: the field delimiter
 * ({@code scan.csv.delimiter}) and the longest record that may span lines
 * ({@code scan.csv.max-record-bytes}, see {@link CsvRecords}).
 */
public record CsvDialect(char delimiter, int maxRecordBytes) implements Serializable {
    /** Below this a quoted field could not even hold an ordinary row. */
    public static final int MIN_RECORD_BYTES = 1024;

    /** A bad value stops the scan with one line naming its configuration key. */
    public CsvDialect {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw ConfigException.invalid("scan.csv.delimiter", "a character other than a quote or a line end", "'" + delimiter + "'");
        }
        if (maxRecordBytes < MIN_RECORD_BYTES) {
            throw ConfigException.invalid("scan.csv.max-record-bytes", ">= " + MIN_RECORD_BYTES, maxRecordBytes);
        }
    }
}
