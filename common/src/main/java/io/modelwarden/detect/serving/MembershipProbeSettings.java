package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link MembershipProbeDetector} ({@code monitor.detectors.membership.*}); DETECTORS.md S6.
 *
 * @param benignHitRate p0, the hit rate of a client that does not probe (0.01); the fingerprint
 *     filter's own false-positive rate replaces it when larger
 * @param minHits hits before the binomial test may alert (20)
 * @param maxPValue the one-sided binomial p-value must fall below this (1e-4)
 * @param clusterRadius z-space L2 radius of a perturbation cluster around its centre (0.05)
 * @param clusterMinQueries centre plus distinct perturbations that make a cluster (10)
 * @param maxCentres cluster centres kept per client; least recently used evicted (32)
 * @param recentHits hit cells remembered so a retried record counts once (64)
 * @param maxMatchedIds event ids of hits kept for the evidence (20)
 * @param idleTimeout state is dropped after this much event time without traffic (24 h)
 */
public record MembershipProbeSettings(
        double benignHitRate, int minHits, double maxPValue, double clusterRadius, int clusterMinQueries, int maxCentres,
        int recentHits, int maxMatchedIds, Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.membership.";

    public MembershipProbeSettings {
        if (!(benignHitRate > 0 && benignHitRate < 1)) {
            throw ConfigException.invalid(PREFIX + "benign-hit-rate", "in (0, 1)", benignHitRate);
        }
        if (minHits < 1) {
            throw ConfigException.invalid(PREFIX + "min-hits", "> 0", minHits);
        }
        if (!(maxPValue > 0 && maxPValue < 1)) {
            throw ConfigException.invalid(PREFIX + "max-p-value", "in (0, 1)", maxPValue);
        }
        if (!(clusterRadius > 0) || !Double.isFinite(clusterRadius)) {
            throw ConfigException.invalid(PREFIX + "cluster-radius", "> 0", clusterRadius);
        }
        if (clusterMinQueries < 2) {
            throw ConfigException.invalid(PREFIX + "cluster-min-queries", ">= 2", clusterMinQueries);
        }
        if (maxCentres < 1 || maxCentres > 1024) {
            throw ConfigException.invalid(PREFIX + "max-centres", "in [1, 1024]", maxCentres);
        }
        if (recentHits < 1 || recentHits > 4096) {
            throw ConfigException.invalid(PREFIX + "recent-hits", "in [1, 4096]", recentHits);
        }
        if (maxMatchedIds < 0 || maxMatchedIds > 1000) {
            throw ConfigException.invalid(PREFIX + "max-matched-ids", "in [0, 1000]", maxMatchedIds);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
    }

    public static MembershipProbeSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static MembershipProbeSettings fromConfig(Config c) {
        return new MembershipProbeSettings(
                c.getDouble(PREFIX + "benign-hit-rate"),
                c.getInt(PREFIX + "min-hits"),
                c.getDouble(PREFIX + "max-p-value"),
                c.getDouble(PREFIX + "cluster-radius"),
                c.getInt(PREFIX + "cluster-min-queries"),
                c.getInt(PREFIX + "max-centres"),
                c.getInt(PREFIX + "recent-hits"),
                c.getInt(PREFIX + "max-matched-ids"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"));
    }
}
