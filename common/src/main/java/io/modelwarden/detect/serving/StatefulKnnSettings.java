package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link StatefulKnnDetector}, read from {@code monitor.detectors.stateful-knn.*}.
 *
 * @param k neighbours whose mean distance is the statistic s (default 50, Chen et al.)
 * @param bufferSize last N encoded queries kept per client (default 500)
 * @param tau fallback threshold in encoding units (z-space with a baseline), used only when the baseline
 *     carries no {@code stateful_knn.tau} (default 0.5; calibrated values are ~1.55 at d = 8)
 * @param minConsecutive consecutive queries with s < tau before the alarm (default 3; Chen et al. use 1)
 * @param calibrationPercentile percentile (in percent) of s on trusted training streams that becomes
 *     tau in the scan (default 0.1)
 * @param recentRepeats exact repeats of one of this many recent queries are ignored (default 32)
 * @param idleTimeout event time without traffic after which the client's state is dropped (default 24h)
 * @param quantum z units per level of the int8 codes the buffer keeps with a baseline (default 1/16:
 *     z in [-7.94, 7.94], rounding error at most 1/32 per coordinate; z beyond the range is clipped).
 *     {@link StatefulKnnDetector#calibrateTau} must use the same value, so that tau and s share the encoding.
 */
public record StatefulKnnSettings(
        int k, int bufferSize, double tau, int minConsecutive, double calibrationPercentile, int recentRepeats, Duration idleTimeout,
        double quantum)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "monitor.detectors.stateful-knn.";
    public static final String K = PREFIX + "k";
    public static final String BUFFER_SIZE = PREFIX + "buffer-size";
    public static final String TAU = PREFIX + "tau";
    public static final String MIN_CONSECUTIVE = PREFIX + "min-consecutive";
    public static final String CALIBRATION_PERCENTILE = PREFIX + "calibration-percentile";
    public static final String RECENT_REPEATS = PREFIX + "recent-repeats";
    public static final String IDLE_TIMEOUT = PREFIX + "idle-timeout";
    public static final String QUANTUM = PREFIX + "quantum";

    public StatefulKnnSettings {
        if (k <= 0) {
            throw ConfigException.invalid(K, "> 0", k);
        }
        if (bufferSize <= k) {
            throw ConfigException.invalid(BUFFER_SIZE, "> k (" + k + ")", bufferSize);
        }
        if (!(tau > 0)) {
            throw ConfigException.invalid(TAU, "> 0", tau);
        }
        if (minConsecutive <= 0) {
            throw ConfigException.invalid(MIN_CONSECUTIVE, "> 0", minConsecutive);
        }
        if (!(calibrationPercentile > 0 && calibrationPercentile < 100)) {
            throw ConfigException.invalid(CALIBRATION_PERCENTILE, "in (0, 100)", calibrationPercentile);
        }
        if (recentRepeats < 0) {
            throw ConfigException.invalid(RECENT_REPEATS, ">= 0", recentRepeats);
        }
        MonitorDurations.requirePositive(IDLE_TIMEOUT, idleTimeout);
        if (!(quantum > 0 && quantum <= 1)) {
            throw ConfigException.invalid(QUANTUM, "in (0, 1]", quantum);
        }
    }

    /** With the default quantum (1/16 z). */
    public StatefulKnnSettings(
            int k, int bufferSize, double tau, int minConsecutive, double calibrationPercentile, int recentRepeats, Duration idleTimeout) {
        this(k, bufferSize, tau, minConsecutive, calibrationPercentile, recentRepeats, idleTimeout, ServingVectors.Z_QUANTUM);
    }

    public static StatefulKnnSettings fromConfig(Config c) {
        return new StatefulKnnSettings(
                c.getInt(K),
                c.getInt(BUFFER_SIZE),
                c.getDouble(TAU),
                c.getInt(MIN_CONSECUTIVE),
                c.getDouble(CALIBRATION_PERCENTILE),
                c.getInt(RECENT_REPEATS),
                MonitorDurations.get(c, IDLE_TIMEOUT),
                c.getDouble(QUANTUM));
    }

    public static StatefulKnnSettings defaults() {
        return new StatefulKnnSettings(50, 500, 0.5, 3, 0.1, 32, Duration.ofHours(24), ServingVectors.Z_QUANTUM);
    }
}
