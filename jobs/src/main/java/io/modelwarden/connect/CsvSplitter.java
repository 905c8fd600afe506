package io.modelwarden.connect;

import java.io.Serializable;

/**
 * Splits one CSV record (RFC 4180 quoting: {@code "a,b"}, doubled quotes, and line ends inside quotes,
 * which {@link CsvRecords} keeps in the record). A quote opens a field only at its start; elsewhere it is
 * an ordinary character. A record whose quote is never closed is reported as malformed. {@link #split(char[], int, int[], int[])} allocates nothing: it marks each field as a
 * range of the line's characters, unquoting quoted fields in place; {@link #split(String, String[])}
 * makes one String per requested field on top of it.
 */
public final class CsvSplitter implements Serializable {
    private static final long serialVersionUID = 1L;
    private final char delimiter;
    private transient char[] chars;
    private transient int[] from;
    private transient int[] to;

    public CsvSplitter(char delimiter) {
        this.delimiter = delimiter;
    }

    /**
     * Splits {@code line} into {@code out}; returns the number of fields found (which may exceed
     * out.length: extra fields are counted, not stored), or -1 when a quote is not closed.
     */
    public int split(String line, String[] out) {
        int len = line.length();
        if (chars == null || chars.length < len) {
            chars = new char[Math.max(len, 256)];
        }
        if (from == null || from.length < out.length) {
            from = new int[out.length];
            to = new int[out.length];
        }
        line.getChars(0, len, chars, 0);
        int n = split(chars, len, from, to);
        for (int k = 0; k < Math.min(n, out.length); k++) {
            out[k] = new String(chars, from[k], to[k] - from[k]);
        }
        return n;
    }

    /**
     * Splits the line {@code s[0, len)} into fields: field k is {@code s[from[k], to[k])} for the
     * first from.length fields. A quoted field is unquoted in place (its range then covers the
     * unescaped text), so {@code s} is modified. Returns the number of fields found (which may
     * exceed from.length: extra fields are counted, not marked), or -1 when a quote is not closed.
     */
    public int split(char[] s, int len, int[] from, int[] to) {
        int n = 0;
        int i = 0;
        if (len > 0 && s[len - 1] == '\r') {
            len--;
        }
        while (true) {
            int start = i;
            int end;
            if (i < len && s[i] == '"') {
                // Unquote into s[start, end): the write position never passes the read position i.
                end = start;
                i++;
                boolean closed = false;
                while (i < len) {
                    char c = s[i];
                    if (c == '"') {
                        if (i + 1 < len && s[i + 1] == '"') {
                            s[end++] = '"';
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    s[end++] = c;
                    i++;
                }
                if (!closed) {
                    return -1;
                }
                // Skip anything between the closing quote and the delimiter.
                while (i < len && s[i] != delimiter) {
                    i++;
                }
            } else {
                while (i < len && s[i] != delimiter) {
                    i++;
                }
                end = i;
            }
            if (n < from.length) {
                from[n] = start;
                to[n] = end;
            }
            n++;
            if (i >= len) {
                return n;
            }
            i++; // the delimiter
        }
    }
}
