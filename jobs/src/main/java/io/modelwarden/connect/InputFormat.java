package io.modelwarden.connect;

/**
 * The file formats a scan reads: CSV (also compressed, in the formats Flink's file source decompresses
 * with what a Flink distribution ships: gzip, bzip2, deflate) and Parquet.
 */
public enum InputFormat {
    CSV(".csv", ".csv.gz", ".csv.gzip", ".csv.bz2", ".csv.deflate"),
    PARQUET(".parquet");

    /** The file name endings the scan reads, in the words of its messages. */
    public static final String NAMES = ".csv (.csv.gz, .csv.bz2, .csv.deflate) or .parquet";

    private static final String[] COMPRESSED = {".gz", ".gzip", ".bz2", ".deflate"};

    private final String[] extensions;

    InputFormat(String... extensions) {
        this.extensions = extensions;
    }

    /** The format of a file name, or null when it is neither. */
    public static InputFormat ofName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (InputFormat f : values()) {
            for (String e : f.extensions) {
                if (lower.endsWith(e)) {
                    return f;
                }
            }
        }
        return null;
    }

    /** A compressed file: read whole by one reader (a compressed stream cannot be entered mid-way). */
    public static boolean isCompressed(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (String e : COMPRESSED) {
            if (lower.endsWith(e)) {
                return true;
            }
        }
        return false;
    }
}
