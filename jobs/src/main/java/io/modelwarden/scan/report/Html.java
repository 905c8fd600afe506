package io.modelwarden.scan.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Escaping, number and time formatting and null-tolerant JSON access for the HTML report. Every
 * string that comes from the data (paths, column names, labels, evidence) goes through {@link #esc}
 * before it reaches the page.
 */
final class Html {
    /** Shown for a value that summary.json does not have. */
    static final String MISSING = "\u2014";

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT);
    private static final int SIGNIFICANT = 4;

    private Html() {}

    /** Escapes text for element content and quoted attribute values alike. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            // Control characters other than tab/newline can break rendering; drop them.
            if (r == null && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                r = "";
            }
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                b.append(r != null ? r : String.valueOf(c));
            }
        }
        return b == null ? s : b.toString();
    }

    /** Shortens to {@code max} characters with an ellipsis (before escaping). */
    static String clip(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, Math.max(0, max - 1)) + "\u2026";
    }

    /** A lower-case token safe for element ids and fragment links: [a-z0-9-] only. */
    static String slug(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : (s == null ? "" : s).toLowerCase(Locale.ROOT).toCharArray()) {
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '-');
        }
        return b.toString();
    }

    /** The text of a scalar node, or null when missing or JSON null. */
    static String text(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return null;
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }

    /** A number, or null when missing, null or not numeric. */
    static Double num(JsonNode n) {
        if (n == null || !n.isNumber()) {
            if (n != null && n.isTextual()) {
                try {
                    return Double.parseDouble(n.asText());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null;
        }
        return n.asDouble();
    }

    static long count(JsonNode n) {
        Double d = num(n);
        return d == null ? 0 : Math.round(d);
    }

    static boolean present(JsonNode n) {
        return n != null && !n.isMissingNode() && !n.isNull();
    }

    /** Integers grouped by thousands: 1,234,567. */
    static String integer(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** A count from the summary, or the missing marker. */
    static String integer(JsonNode n) {
        Double d = num(n);
        return d == null ? MISSING : integer(Math.round(d));
    }

    /** A readable number: integers grouped, others to four significant digits. */
    static String number(Double v) {
        if (v == null) {
            return MISSING;
        }
        double d = v;
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+\u221e" : "\u2212\u221e";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return integer((long) d);
        }
        double a = Math.abs(d);
        if (a >= 1e9 || a < 1e-4) {
            // 1.00e-9 rather than 1.000e-09.
            return String.format(Locale.ROOT, "%.2e", d).replaceFirst("e([+-])0*(\\d)", "e$1$2").replace("e+", "e");
        }
        if (a >= 1000) {
            // Keep the integer part exact for amounts and counts: 12,345.7 rather than 12350.
            return String.format(Locale.ROOT, "%,.1f", d);
        }
        return new BigDecimal(d).round(new MathContext(SIGNIFICANT)).stripTrailingZeros().toPlainString();
    }

    static String number(JsonNode n) {
        return number(num(n));
    }

    static String percent(double share) {
        if (share > 0 && share < 0.001) {
            return "<0.1%";
        }
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** An ISO-8601 instant as "yyyy-MM-dd HH:mm:ss UTC"; anything unparsable is returned unchanged. */
    static String time(String iso) {
        if (iso == null) {
            return null;
        }
        OffsetDateTime t = parseTime(iso);
        return t == null ? iso : TIME.format(t.withOffsetSameInstant(ZoneOffset.UTC));
    }

    static OffsetDateTime parseTime(String iso) {
        if (iso == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** "850 ms", "4.2 s", "3 min 12 s", "2 h 05 min". */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        Duration d = Duration.ofMillis(millis);
        if (d.toHours() == 0) {
            return String.format(Locale.ROOT, "%d min %02d s", d.toMinutesPart(), d.toSecondsPart());
        }
        return String.format(Locale.ROOT, "%d h %02d min", d.toHours(), d.toMinutesPart());
    }
}
