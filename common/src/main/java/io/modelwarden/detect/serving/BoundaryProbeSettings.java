package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link BoundaryProbeDetector}, read from {@code monitor.detectors.boundary.*}.
 *
 * @param window last queries over which the fractions are computed (default 200)
 * @param minQueries no verdict before this many queries (default 10)
 * @param lowMargin a query is low-margin when p_top1 - p_top2 is below this (default 0.1)
 * @param lowMarginFraction alarm when the low-margin share of the window exceeds this; a baseline's
 *     {@code boundary_probe.low_margin_fraction} (benign p99) takes precedence (default 0.5; benign synthetic clients peak at 0.4 over 10-query windows)
 * @param flipFraction alarm when the share of queries that are near-duplicates of a recent query with a
 *     different predicted label exceeds this; a baseline's {@code boundary_probe.flip_fraction} takes
 *     precedence (default 0.15)
 * @param nearDuplicateRadius z-space L2 distance below which two queries are near-duplicates (default 0.5)
 * @param compareLast each query is compared with this many previous ones (default 8)
 * @param idleTimeout event time without traffic after which the client's state is dropped (default 24h)
 */
public record BoundaryProbeSettings(
        int window,
        int minQueries,
        double lowMargin,
        double lowMarginFraction,
        double flipFraction,
        double nearDuplicateRadius,
        int compareLast,
        Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "monitor.detectors.boundary.";
    public static final String WINDOW = PREFIX + "window";
    public static final String MIN_QUERIES = PREFIX + "min-queries";
    public static final String LOW_MARGIN = PREFIX + "low-margin";
    public static final String LOW_MARGIN_FRACTION = PREFIX + "low-margin-fraction";
    public static final String FLIP_FRACTION = PREFIX + "flip-fraction";
    public static final String NEAR_DUPLICATE_RADIUS = PREFIX + "near-duplicate-radius";
    public static final String COMPARE_LAST = PREFIX + "compare-last";
    public static final String IDLE_TIMEOUT = PREFIX + "idle-timeout";

    public BoundaryProbeSettings {
        if (window <= 0 || window > 10_000) {
            throw ConfigException.invalid(WINDOW, "in [1, 10000]", window);
        }
        if (minQueries <= 0 || minQueries > window) {
            throw ConfigException.invalid(MIN_QUERIES, "in [1, window]", minQueries);
        }
        if (!(lowMargin > 0 && lowMargin <= 1)) {
            throw ConfigException.invalid(LOW_MARGIN, "in (0, 1]", lowMargin);
        }
        if (!(lowMarginFraction > 0 && lowMarginFraction < 1)) {
            throw ConfigException.invalid(LOW_MARGIN_FRACTION, "in (0, 1)", lowMarginFraction);
        }
        if (!(flipFraction > 0 && flipFraction < 1)) {
            throw ConfigException.invalid(FLIP_FRACTION, "in (0, 1)", flipFraction);
        }
        if (!(nearDuplicateRadius > 0)) {
            throw ConfigException.invalid(NEAR_DUPLICATE_RADIUS, "> 0", nearDuplicateRadius);
        }
        if (compareLast <= 0 || compareLast > 64) {
            throw ConfigException.invalid(COMPARE_LAST, "in [1, 64]", compareLast);
        }
        MonitorDurations.requirePositive(IDLE_TIMEOUT, idleTimeout);
    }

    public static BoundaryProbeSettings fromConfig(Config c) {
        return new BoundaryProbeSettings(
                c.getInt(WINDOW),
                c.getInt(MIN_QUERIES),
                c.getDouble(LOW_MARGIN),
                c.getDouble(LOW_MARGIN_FRACTION),
                c.getDouble(FLIP_FRACTION),
                c.getDouble(NEAR_DUPLICATE_RADIUS),
                c.getInt(COMPARE_LAST),
                MonitorDurations.get(c, IDLE_TIMEOUT));
    }

    public static BoundaryProbeSettings defaults() {
        return new BoundaryProbeSettings(200, 10, 0.1, 0.5, 0.15, 0.5, 8, Duration.ofHours(24));
    }
}
