package io.modelwarden.connect;

import java.io.Serializable;

/**
 * Splits one CSV record held on one line (RFC 4180 quoting within the line: {@code "a,b"} and doubled
 * quotes). Records that span lines are not supported: a line with an unbalanced quote is reported as
 * malformed. Allocation: one String per requested field.
 */
public final class CsvSplitter implements Serializable {
    private static final long serialVersionUID = 1L;
    private final char delimiter;

    public CsvSplitter(char delimiter) {
        this.delimiter = delimiter;
    }

    /**
     * Splits {@code line} into {@code out}; returns the number of fields found (which may exceed
     * out.length: extra fields are counted, not stored), or -1 when a quote is not closed.
     */
    public int split(String line, String[] out) {
        int n = 0;
        int len = line.length();
        int i = 0;
        if (len > 0 && line.charAt(len - 1) == '\r') {
            len--;
        }
        while (true) {
            String field;
            if (i < len && line.charAt(i) == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < len) {
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < len && line.charAt(i + 1) == '"') {
                            sb.append('"');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    sb.append(c);
                    i++;
                }
                if (!closed) {
                    return -1;
                }
                field = sb.toString();
                // Skip anything between the closing quote and the delimiter.
                while (i < len && line.charAt(i) != delimiter) {
                    i++;
                }
            } else {
                int start = i;
                while (i < len && line.charAt(i) != delimiter) {
                    i++;
                }
                field = line.substring(start, i);
            }
            if (n < out.length) {
                out[n] = field;
            }
            n++;
            if (i >= len) {
                return n;
            }
            i++; // the delimiter
        }
    }
}
