package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of {@link IsolationForestDetector}, read from {@code scan.detectors.isolation-forest.*}.
 *
 * @param trees number of isolation trees t (default 100)
 * @param subsampleSize rows psi drawn without replacement for each tree (default 256); the height
 *     limit is ceil(log2 psi)
 * @param contamination expected outlier share: the threshold is the (1 - contamination) quantile of
 *     the scores of the fitting sample (default 0.01); 0 leaves only {@code minScore}
 * @param minScore the threshold is never below this anomaly score (default 0.6, Liu et al.)
 * @param seed seed of the tree construction: the same seed and sample give the same model
 */
public record IsolationForestSettings(int trees, int subsampleSize, double contamination, double minScore, long seed)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "scan.detectors.isolation-forest.";
    public static final String TREES = PREFIX + "trees";
    public static final String SUBSAMPLE_SIZE = PREFIX + "subsample-size";
    public static final String CONTAMINATION = PREFIX + "contamination";
    public static final String MIN_SCORE = PREFIX + "min-score";

    /** Seed of {@link #defaults()}: the default {@code scan.seed}. */
    public static final long DEFAULT_SEED = 42L;

    public IsolationForestSettings {
        if (trees <= 0) {
            throw ConfigException.invalid(TREES, "> 0", trees);
        }
        if (subsampleSize < 2) {
            throw ConfigException.invalid(SUBSAMPLE_SIZE, ">= 2", subsampleSize);
        }
        if (!(contamination >= 0.0 && contamination < 0.5)) {
            throw ConfigException.invalid(CONTAMINATION, "in [0, 0.5)", contamination);
        }
        if (!(minScore >= 0.0 && minScore <= 1.0)) {
            throw ConfigException.invalid(MIN_SCORE, "in [0, 1]", minScore);
        }
    }

    /** Reads the four keys; {@code seed} is derived by the caller from {@code scan.seed}. */
    public static IsolationForestSettings fromConfig(Config c, long seed) {
        return new IsolationForestSettings(
                c.getInt(TREES), c.getInt(SUBSAMPLE_SIZE), c.getDouble(CONTAMINATION), c.getDouble(MIN_SCORE), seed);
    }

    /** The published defaults, as in {@code conf/warden.yaml}: 100 trees of 256 rows, 1%, 0.6. */
    public static IsolationForestSettings defaults() {
        return fromConfig(Config.defaults(), DEFAULT_SEED);
    }

    /** The height limit ceil(log2 psi) of each tree. */
    public int heightLimit() {
        return (int) Math.ceil(Math.log(subsampleSize) / Math.log(2));
    }
}
