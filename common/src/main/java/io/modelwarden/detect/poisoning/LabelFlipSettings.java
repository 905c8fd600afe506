package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of {@link LabelFlipDetector}, read from {@code scan.detectors.label-flip.*}.
 *
 * @param neighbours k of the kNN neighbourhood in z-space (default 10, Paudice et al.)
 * @param minAgreement eta: the share of the k neighbours that must carry the suggested label
 *     (default 0.5)
 * @param trees randomised k-d trees whose leaves give the candidate neighbours (default 4)
 * @param leafSize maximum number of sample rows in a tree leaf (default 16); candidates per row are
 *     at most {@code trees x leafSize}. A node is halved while it holds more, so leaves hold between
 *     half of it and all of it (about 10 rows with the default and a 20,000-row sample)
 * @param seed seed of the tree construction
 * @param maxPValue with a baseline, estimated flips count only when so many are this improbable
 *     under the baseline's own confusion (Poisson; default 0.001)
 * @param maxExcessRatio with a baseline, a class pair's estimated flips must also exceed the
 *     baseline's expected count by this ratio of it before any row of the pair is flagged (default
 *     0.5): where classes overlap, the confident joint's cells vary from sample to sample by more than
 *     a count would (a fifth of a cell between two clean samples of the same data)
 * @param maxExcessShare with a baseline, the share of rows estimated flipped may exceed the
 *     baseline's by this much before the dataset gets a {@code label_noise} finding (default 0.02)
 */
public record LabelFlipSettings(int neighbours, double minAgreement, int trees, int leafSize, long seed, double maxPValue,
        double maxExcessRatio, double maxExcessShare) implements Serializable {
    private static final long serialVersionUID = 2L;

    public static final String PREFIX = "scan.detectors.label-flip.";
    public static final String NEIGHBOURS = PREFIX + "neighbours";
    public static final String MIN_AGREEMENT = PREFIX + "min-agreement";
    public static final String TREES = PREFIX + "trees";
    public static final String LEAF_SIZE = PREFIX + "leaf-size";
    public static final String MAX_P_VALUE = PREFIX + "max-p-value";
    public static final String MAX_EXCESS_RATIO = PREFIX + "max-excess-ratio";
    public static final String MAX_EXCESS_SHARE = PREFIX + "max-excess-share";

    public static final long DEFAULT_SEED = 42L;

    public LabelFlipSettings {
        if (neighbours <= 0) {
            throw ConfigException.invalid(NEIGHBOURS, "> 0", neighbours);
        }
        // eta > 0 keeps "score >= threshold" equivalent to "flagged" (unflagged rows score 0).
        if (!(minAgreement > 0.0 && minAgreement <= 1.0)) {
            throw ConfigException.invalid(MIN_AGREEMENT, "in (0, 1]", minAgreement);
        }
        if (trees <= 0) {
            throw ConfigException.invalid(TREES, "> 0", trees);
        }
        if (leafSize <= 0) {
            throw ConfigException.invalid(LEAF_SIZE, "> 0", leafSize);
        }
        if (!(maxPValue > 0) || !(maxPValue <= 1)) {
            throw ConfigException.invalid(MAX_P_VALUE, "in (0, 1]", maxPValue);
        }
        if (!(maxExcessRatio >= 0)) {
            throw ConfigException.invalid(MAX_EXCESS_RATIO, ">= 0", maxExcessRatio);
        }
        if (!(maxExcessShare >= 0) || !(maxExcessShare < 1)) {
            throw ConfigException.invalid(MAX_EXCESS_SHARE, "in [0, 1)", maxExcessShare);
        }
    }

    /** The defaults' k, eta, trees and leaf size with these (the benchmark's sweeps). */
    public static LabelFlipSettings of(int neighbours, double minAgreement, int trees, int leafSize, long seed) {
        LabelFlipSettings d = defaults();
        return new LabelFlipSettings(neighbours, minAgreement, trees, leafSize, seed, d.maxPValue(), d.maxExcessRatio(), d.maxExcessShare());
    }

    public static LabelFlipSettings fromConfig(Config c, long seed) {
        return new LabelFlipSettings(
                c.getInt(NEIGHBOURS), c.getDouble(MIN_AGREEMENT), c.getInt(TREES), c.getInt(LEAF_SIZE), seed,
                c.getDouble(MAX_P_VALUE), c.getDouble(MAX_EXCESS_RATIO), c.getDouble(MAX_EXCESS_SHARE));
    }

    /** The published defaults, as in {@code conf/warden.yaml}: k = 10, eta = 0.5, 4 trees, leaves of 16. */
    public static LabelFlipSettings defaults() {
        return fromConfig(Config.defaults(), DEFAULT_SEED);
    }
}
