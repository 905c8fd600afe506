package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link RateDetector} ({@code monitor.detectors.rate.*}); DETECTORS.md S9.
 *
 * @param staticLimitPerMinute the 60 s count alerts above this while the key has no trusted history,
 *     and never below it (200: the guide's 100 queries/min per IP, twice that alerts)
 * @param staticLimitPerSecond the 1 s count alerts above this at least (100)
 * @param burstFactor the 1 s threshold is at least this x the 60 s threshold / 60 (5)
 * @param ewmaAlpha weight of the newest completed minute in the key's EWMA mean and variance (0.1)
 * @param sigmas learned threshold = mu + sigmas x max(sigma, sqrt(mu)) (6)
 * @param warmupMinutes completed minutes before the learned threshold is used (5)
 * @param maxLearnedPerMinute the learned threshold is capped here, so history never makes a flood normal (6,000)
 * @param maxZNorm payload anomaly: a z-space L2 norm above this (50)
 * @param idleTimeout state (and with it the key's history) is dropped after this much event time without traffic (24 h)
 */
public record RateSettings(
        int staticLimitPerMinute, int staticLimitPerSecond, double burstFactor, double ewmaAlpha, double sigmas, int warmupMinutes,
        int maxLearnedPerMinute, double maxZNorm, Duration idleTimeout, java.util.Set<String> trusted)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.rate.";

    public RateSettings {
        if (staticLimitPerMinute < 1) {
            throw ConfigException.invalid(PREFIX + "static-limit-per-minute", "> 0", staticLimitPerMinute);
        }
        if (staticLimitPerSecond < 1) {
            throw ConfigException.invalid(PREFIX + "static-limit-per-second", "> 0", staticLimitPerSecond);
        }
        if (!(burstFactor >= 1) || !Double.isFinite(burstFactor)) {
            throw ConfigException.invalid(PREFIX + "burst-factor", ">= 1", burstFactor);
        }
        if (!(ewmaAlpha > 0 && ewmaAlpha <= 1)) {
            throw ConfigException.invalid(PREFIX + "ewma-alpha", "in (0, 1]", ewmaAlpha);
        }
        if (!(sigmas > 0) || !Double.isFinite(sigmas)) {
            throw ConfigException.invalid(PREFIX + "sigmas", "> 0", sigmas);
        }
        if (warmupMinutes < 1) {
            throw ConfigException.invalid(PREFIX + "warmup-minutes", "> 0", warmupMinutes);
        }
        if (maxLearnedPerMinute < staticLimitPerMinute) {
            throw ConfigException.invalid(PREFIX + "max-learned-per-minute", ">= static-limit-per-minute (" + staticLimitPerMinute + ")",
                    maxLearnedPerMinute);
        }
        if (!(maxZNorm > 0) || !Double.isFinite(maxZNorm)) {
            throw ConfigException.invalid(PREFIX + "max-z-norm", "> 0", maxZNorm);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
        trusted = trusted == null ? java.util.Set.of() : java.util.Set.copyOf(trusted);
    }

    /**
     * A known heavy client (its client id or its source IP is in {@code trusted}): the static limit
     * does not apply to it, only the flood cap ({@code max-learned-per-minute}) and its own history.
     */
    public boolean isTrusted(io.modelwarden.model.InferenceEvent e) {
        return !trusted.isEmpty() && (trusted.contains(e.clientId) || trusted.contains(e.sourceIp));
    }

    public static RateSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static RateSettings fromConfig(Config c) {
        return new RateSettings(
                c.getInt(PREFIX + "static-limit-per-minute"),
                c.getInt(PREFIX + "static-limit-per-second"),
                c.getDouble(PREFIX + "burst-factor"),
                c.getDouble(PREFIX + "ewma-alpha"),
                c.getDouble(PREFIX + "sigmas"),
                c.getInt(PREFIX + "warmup-minutes"),
                c.getInt(PREFIX + "max-learned-per-minute"),
                c.getDouble(PREFIX + "max-z-norm"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"),
                new java.util.HashSet<>(c.getList(PREFIX + "trusted")));
    }
}
