package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link SimilarityClusterDetector} ({@code monitor.detectors.rate.similarity.*}).
 *
 * @param minCosine two queries are similar when their z-space cosine exceeds this (0.85)...
 * @param minDistance ...and their z-space L2 distance is at least this (0.01; closer is a retry)
 * @param window recent queries compared with each new one (50)
 * @param maxSimilar alert when more than this many of them are similar to the new query (10)
 * @param idleTimeout state is dropped after this much event time without traffic (60 min)
 */
public record SimilarityClusterSettings(double minCosine, double minDistance, int window, int maxSimilar, Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.rate.similarity.";

    public SimilarityClusterSettings {
        if (!(minCosine > -1 && minCosine < 1)) {
            throw ConfigException.invalid(PREFIX + "min-cosine", "in (-1, 1)", minCosine);
        }
        if (!(minDistance >= 0) || !Double.isFinite(minDistance)) {
            throw ConfigException.invalid(PREFIX + "min-distance", ">= 0", minDistance);
        }
        if (window < 2 || window > 1000) {
            throw ConfigException.invalid(PREFIX + "window", "in [2, 1000]", window);
        }
        if (maxSimilar < 1 || maxSimilar >= window) {
            throw ConfigException.invalid(PREFIX + "max-similar", "in [1, window=" + window + ")", maxSimilar);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
    }

    public static SimilarityClusterSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static SimilarityClusterSettings fromConfig(Config c) {
        return new SimilarityClusterSettings(
                c.getDouble(PREFIX + "min-cosine"),
                c.getDouble(PREFIX + "min-distance"),
                c.getInt(PREFIX + "window"),
                c.getInt(PREFIX + "max-similar"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"));
    }
}
