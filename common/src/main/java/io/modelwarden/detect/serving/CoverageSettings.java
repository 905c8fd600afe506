package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link CoverageDetector} ({@code monitor.detectors.coverage.*}); DETECTORS.md S2.
 *
 * @param bins baseline-quantile bins per feature that define a cell (10)
 * @param hllPrecision p: the HyperLogLog keeps 2^p one-byte registers (10: 1 KiB, ~3.3% standard error)
 * @param oodQuantile a query is out of distribution when sum z_j^2 exceeds this chi-square_d quantile (0.999)
 * @param window queries in the sliding OOD window (200)
 * @param maxOodShare alert when the window's OOD share exceeds this (0.3)
 * @param minQueries queries the window must hold before the share is judged (50)
 * @param minOodCells the growth rule needs at least this many distinct out-of-distribution cells (50)
 * @param maxOodCellRate growth rule: alert when distinct OOD cells / queries exceeds this (0.01; natural
 *     data holds it near the chi-square tail 1 - ood-quantile, 0.001)
 * @param idleTimeout state is dropped after this much event time without traffic (60 min)
 */
public record CoverageSettings(
        int bins, int hllPrecision, double oodQuantile, int window, double maxOodShare, int minQueries, long minOodCells, double maxOodCellRate,
        Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.coverage.";

    public CoverageSettings {
        if (bins < 2 || bins > 100) {
            throw ConfigException.invalid(PREFIX + "bins", "in [2, 100]", bins);
        }
        if (hllPrecision < 4 || hllPrecision > 14) {
            throw ConfigException.invalid(PREFIX + "hll-precision", "in [4, 14]", hllPrecision);
        }
        if (!(oodQuantile > 0.5 && oodQuantile < 1)) {
            throw ConfigException.invalid(PREFIX + "ood-quantile", "in (0.5, 1)", oodQuantile);
        }
        if (window < 10 || window > 10_000) {
            throw ConfigException.invalid(PREFIX + "window", "in [10, 10000]", window);
        }
        if (!(maxOodShare > 0 && maxOodShare < 1)) {
            throw ConfigException.invalid(PREFIX + "max-ood-share", "in (0, 1)", maxOodShare);
        }
        if (minQueries < 1 || minQueries > window) {
            throw ConfigException.invalid(PREFIX + "min-queries", "in [1, window=" + window + "]", minQueries);
        }
        if (minOodCells < 1) {
            throw ConfigException.invalid(PREFIX + "min-ood-cells", "> 0", minOodCells);
        }
        if (!(maxOodCellRate > 0 && maxOodCellRate < 1)) {
            throw ConfigException.invalid(PREFIX + "max-ood-cell-rate", "in (0, 1)", maxOodCellRate);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
    }

    public static CoverageSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static CoverageSettings fromConfig(Config c) {
        return new CoverageSettings(
                c.getInt(PREFIX + "bins"),
                c.getInt(PREFIX + "hll-precision"),
                c.getDouble(PREFIX + "ood-quantile"),
                c.getInt(PREFIX + "window"),
                c.getDouble(PREFIX + "max-ood-share"),
                c.getInt(PREFIX + "min-queries"),
                c.getLong(PREFIX + "min-ood-cells"),
                c.getDouble(PREFIX + "max-ood-cell-rate"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"));
    }

    public CoverageSettings withOodCellRule(long minCells, double maxRate) {
        return new CoverageSettings(bins, hllPrecision, oodQuantile, window, maxOodShare, minQueries, minCells, maxRate, idleTimeout);
    }
}
