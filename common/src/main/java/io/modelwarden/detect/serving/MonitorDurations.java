package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/** Reads duration keys of the monitor ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d} or ISO-8601). */
public final class MonitorDurations {
    private MonitorDurations() {}

    public static Duration get(Config c, String key) {
        return parse(key, c.getString(key));
    }

    public static Duration parse(String key, String raw) {
        String s = raw.trim();
        try {
            if (s.startsWith("P") || s.startsWith("p")) {
                return positive(key, Duration.parse(s), raw);
            }
            if (s.endsWith("ms")) {
                return positive(key, Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim())), raw);
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1).trim());
            return positive(key, switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException(s);
            }, raw);
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw ConfigException.invalid(key, "a duration such as 500ms, 30s, 10m, 24h, 7d", "'" + raw + "'");
        }
    }

    /** Validates a duration already parsed (settings constructors). */
    static Duration requirePositive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw ConfigException.invalid(key, "> 0", d);
        }
        return d;
    }

    private static Duration positive(String key, Duration d, String raw) {
        if (d.isNegative() || d.isZero()) {
            throw ConfigException.invalid(key, "> 0", "'" + raw + "'");
        }
        return d;
    }
}
