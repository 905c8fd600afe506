package io.modelwarden.connect;

/** The file formats a scan reads: CSV (also gzip-compressed, {@code .csv.gz}) and Parquet. */
public enum InputFormat {
    CSV(".csv", ".csv.gz"),
    PARQUET(".parquet");

    /** The file name endings the scan reads, in the words of its messages. */
    public static final String NAMES = ".csv, .csv.gz or .parquet";

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

    /** A gzip-compressed file: read whole by one reader (gzip cannot be entered mid-stream). */
    public static boolean isGzip(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
    }
}
