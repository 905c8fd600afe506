package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link ExplanationAbuseDetector} ({@code monitor.detectors.explanation.*}); DETECTORS.md S8.
 *
 * @param windowMinutes sliding event-time window, in one-minute buckets (10)
 * @param maxRatio alert when explanation requests / queries exceeds this (0.5)...
 * @param minQueries ...with at least this many queries in the window (50)
 * @param maxPerWindow or when the window's explanation requests exceed this (500)
 * @param idleTimeout state is dropped after this much event time without traffic (60 min)
 */
public record ExplanationAbuseSettings(int windowMinutes, double maxRatio, int minQueries, int maxPerWindow, Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.explanation.";

    public ExplanationAbuseSettings {
        if (windowMinutes < 1 || windowMinutes > 1440) {
            throw ConfigException.invalid(PREFIX + "window-minutes", "in [1, 1440]", windowMinutes);
        }
        if (!(maxRatio > 0 && maxRatio < 1)) {
            throw ConfigException.invalid(PREFIX + "max-ratio", "in (0, 1)", maxRatio);
        }
        if (minQueries < 1) {
            throw ConfigException.invalid(PREFIX + "min-queries", "> 0", minQueries);
        }
        if (maxPerWindow < 1) {
            throw ConfigException.invalid(PREFIX + "max-per-window", "> 0", maxPerWindow);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
    }

    public static ExplanationAbuseSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static ExplanationAbuseSettings fromConfig(Config c) {
        return new ExplanationAbuseSettings(
                c.getInt(PREFIX + "window-minutes"),
                c.getDouble(PREFIX + "max-ratio"),
                c.getInt(PREFIX + "min-queries"),
                c.getInt(PREFIX + "max-per-window"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"));
    }
}
