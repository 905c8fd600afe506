package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link PradaDetector}, read from {@code monitor.detectors.prada.*}.
 *
 * @param delta alarm when the Shapiro-Wilk W of the pooled distances is below this (default 0.9)
 * @param checkEvery queries between W computations (default 10)
 * @param minDistances W is computed only when more than this many pooled distances survive trimming
 *     (default 100)
 * @param minClassDistances a class's distances join the pool once it holds this many (default 10)
 * @param outlierSigma pooled distances further than this many standard deviations from their mean are
 *     dropped before W (default 3)
 * @param maxClasses predicted classes tracked per client (default 8)
 * @param growingSetCap vectors kept per class growing set, FIFO (default 64)
 * @param distanceWindow minimum distances kept per class, the last N (default 256)
 * @param recentRepeats exact repeats of one of this many recent queries are ignored (default 32)
 * @param idleTimeout event time without traffic after which the client's state is dropped (default 24h)
 */
public record PradaSettings(
        double delta,
        int checkEvery,
        int minDistances,
        int minClassDistances,
        double outlierSigma,
        int maxClasses,
        int growingSetCap,
        int distanceWindow,
        int recentRepeats,
        Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "monitor.detectors.prada.";
    public static final String DELTA = PREFIX + "delta";
    public static final String CHECK_EVERY = PREFIX + "check-every";
    public static final String MIN_DISTANCES = PREFIX + "min-distances";
    public static final String MIN_CLASS_DISTANCES = PREFIX + "min-class-distances";
    public static final String OUTLIER_SIGMA = PREFIX + "outlier-sigma";
    public static final String MAX_CLASSES = PREFIX + "max-classes";
    public static final String GROWING_SET_CAP = PREFIX + "growing-set-cap";
    public static final String DISTANCE_WINDOW = PREFIX + "distance-window";
    public static final String RECENT_REPEATS = PREFIX + "recent-repeats";
    public static final String IDLE_TIMEOUT = PREFIX + "idle-timeout";

    public PradaSettings {
        if (!(delta > 0 && delta < 1)) {
            throw ConfigException.invalid(DELTA, "in (0, 1)", delta);
        }
        if (checkEvery <= 0) {
            throw ConfigException.invalid(CHECK_EVERY, "> 0", checkEvery);
        }
        if (minDistances < ShapiroWilk.MIN_N) {
            throw ConfigException.invalid(MIN_DISTANCES, ">= 3", minDistances);
        }
        if (minClassDistances <= 0) {
            throw ConfigException.invalid(MIN_CLASS_DISTANCES, "> 0", minClassDistances);
        }
        if (!(outlierSigma > 0)) {
            throw ConfigException.invalid(OUTLIER_SIGMA, "> 0", outlierSigma);
        }
        if (maxClasses <= 0 || maxClasses > 64) {
            throw ConfigException.invalid(MAX_CLASSES, "in [1, 64]", maxClasses);
        }
        if (growingSetCap <= 0) {
            throw ConfigException.invalid(GROWING_SET_CAP, "> 0", growingSetCap);
        }
        if (distanceWindow < minClassDistances) {
            throw ConfigException.invalid(DISTANCE_WINDOW, ">= min-class-distances (" + minClassDistances + ")", distanceWindow);
        }
        if ((long) distanceWindow * maxClasses > ShapiroWilk.MAX_N) {
            throw ConfigException.invalid(DISTANCE_WINDOW, "<= 5000 / max-classes (the Shapiro-Wilk limit)", distanceWindow);
        }
        if (minDistances >= distanceWindow * maxClasses) {
            throw ConfigException.invalid(MIN_DISTANCES, "< distance-window x max-classes", minDistances);
        }
        if (recentRepeats < 0) {
            throw ConfigException.invalid(RECENT_REPEATS, ">= 0", recentRepeats);
        }
        MonitorDurations.requirePositive(IDLE_TIMEOUT, idleTimeout);
    }

    public static PradaSettings fromConfig(Config c) {
        return new PradaSettings(
                c.getDouble(DELTA),
                c.getInt(CHECK_EVERY),
                c.getInt(MIN_DISTANCES),
                c.getInt(MIN_CLASS_DISTANCES),
                c.getDouble(OUTLIER_SIGMA),
                c.getInt(MAX_CLASSES),
                c.getInt(GROWING_SET_CAP),
                c.getInt(DISTANCE_WINDOW),
                c.getInt(RECENT_REPEATS),
                MonitorDurations.get(c, IDLE_TIMEOUT));
    }

    /** As in {@code conf/warden.yaml}. */
    public static PradaSettings defaults() {
        return new PradaSettings(0.9, 10, 100, 10, 3.0, 8, 64, 256, 32, Duration.ofHours(24));
    }
}
