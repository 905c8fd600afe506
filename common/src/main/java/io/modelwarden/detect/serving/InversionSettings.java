package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link InversionDetector} ({@code monitor.detectors.inversion.*}); DETECTORS.md S7.
 *
 * @param window queries kept (100)
 * @param sweepShare alert when more consecutive pairs than this share differ in at most one feature (0.5)...
 * @param minDistinctValues ...and the swept feature took at least this many percentile bins (10)
 * @param minQueries queries in the window before either rule is judged (20)
 * @param trendAlpha one-sided Mann-Kendall p-value below which the class probability rises (0.01)
 * @param minTrendQueries queries of the target class in the window for the trend test (20)
 * @param oodRiseMinShare OOD share of the window's newer half that counts as rising, when also above
 *     the older half's (0.2)
 * @param oodQuantile chi-square_d quantile of sum z^2 above which a query is OOD (0.999)
 * @param idleTimeout state is dropped after this much event time without traffic (60 min)
 */
public record InversionSettings(
        int window, double sweepShare, int minDistinctValues, int minQueries, double trendAlpha, int minTrendQueries,
        double oodRiseMinShare, double oodQuantile, Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.inversion.";

    public InversionSettings {
        if (window < 10 || window > 2000) {
            throw ConfigException.invalid(PREFIX + "window", "in [10, 2000]", window);
        }
        if (!(sweepShare > 0 && sweepShare < 1)) {
            throw ConfigException.invalid(PREFIX + "sweep-share", "in (0, 1)", sweepShare);
        }
        if (minDistinctValues < 2 || minDistinctValues > 101) {
            throw ConfigException.invalid(PREFIX + "min-distinct-values", "in [2, 101]", minDistinctValues);
        }
        if (minQueries < 3 || minQueries > window) {
            throw ConfigException.invalid(PREFIX + "min-queries", "in [3, window=" + window + "]", minQueries);
        }
        if (!(trendAlpha > 0 && trendAlpha < 0.5)) {
            throw ConfigException.invalid(PREFIX + "trend-alpha", "in (0, 0.5)", trendAlpha);
        }
        if (minTrendQueries < 10 || minTrendQueries > window) {
            throw ConfigException.invalid(PREFIX + "min-trend-queries", "in [10, window=" + window + "]", minTrendQueries);
        }
        if (!(oodRiseMinShare > 0 && oodRiseMinShare <= 1)) {
            throw ConfigException.invalid(PREFIX + "ood-rise-min-share", "in (0, 1]", oodRiseMinShare);
        }
        if (!(oodQuantile > 0.5 && oodQuantile < 1)) {
            throw ConfigException.invalid(PREFIX + "ood-quantile", "in (0.5, 1)", oodQuantile);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
    }

    public static InversionSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static InversionSettings fromConfig(Config c) {
        return new InversionSettings(
                c.getInt(PREFIX + "window"),
                c.getDouble(PREFIX + "sweep-share"),
                c.getInt(PREFIX + "min-distinct-values"),
                c.getInt(PREFIX + "min-queries"),
                c.getDouble(PREFIX + "trend-alpha"),
                c.getInt(PREFIX + "min-trend-queries"),
                c.getDouble(PREFIX + "ood-rise-min-share"),
                c.getDouble(PREFIX + "ood-quantile"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"));
    }
}
