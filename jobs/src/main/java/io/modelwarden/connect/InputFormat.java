package io.modelwarden.connect;

/** The file formats a scan reads. */
public enum InputFormat {
    CSV(".csv"),
    PARQUET(".parquet");

    private final String extension;

    InputFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** The format of a file name, or null when it is neither. */
    public static InputFormat ofName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (InputFormat f : values()) {
            if (lower.endsWith(f.extension)) {
                return f;
            }
        }
        return null;
    }
}
