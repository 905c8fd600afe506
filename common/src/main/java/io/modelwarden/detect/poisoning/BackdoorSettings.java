package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the backdoor detectors ({@code scan.detectors.backdoor.*}).
 *
 * @param minSupport least share of sample rows a trigger value covers (default 0.001)
 * @param maxSupport largest share (default 0.05)
 * @param minPurity least share of a trigger's rows that carry its label (default 0.95)
 * @param neighbours k of the kNN that predicts a trigger row's label from its other features (10)
 * @param maxAgreement a candidate is a trigger only when at most this share of its rows is predicted
 *     as its label by the other features (default 0.5: the majority disagrees, as in DETECTORS.md B4c)
 * @param expectedPoisonRate epsilon of the spectral signature; the top 1.5 epsilon per class is
 *     flagged (default 0.05)
 * @param spectralMinScore the spectral score (an empirical CDF value) is flagged at or above
 *     max(1 - 1.5 epsilon, this) (default 0.5)
 * @param spectralMaxClusterShare the spectral gate: a class is scored only when 2-means on its top
 *     singular projection splits off a cluster holding at most this share of the class (default 0.35,
 *     the activation-clustering cut-off)
 * @param seed seed of the power iteration (scan.seed)
 * @param maxPValue with a baseline, a trigger it already had (same feature, value and label) counts
 *     only when this sample holds it improbably more often, p below this (default 0.001)
 */
public record BackdoorSettings(
        double minSupport,
        double maxSupport,
        double minPurity,
        int neighbours,
        double maxAgreement,
        double expectedPoisonRate,
        double spectralMinScore,
        double spectralMaxClusterShare,
        long seed,
        double maxPValue)
        implements Serializable {
    private static final long serialVersionUID = 2L;
    public static final String PREFIX = "scan.detectors.backdoor.";

    public BackdoorSettings {
        requireIn("min-support", minSupport, 0, 1);
        requireIn("max-support", maxSupport, 0, 1);
        if (maxSupport < minSupport) {
            throw ConfigException.invalid(PREFIX + "max-support", ">= min-support (" + minSupport + ")", maxSupport);
        }
        requireIn("min-purity", minPurity, 0, 1);
        if (neighbours < 1) {
            throw ConfigException.invalid(PREFIX + "neighbours", "> 0", neighbours);
        }
        requireIn("max-agreement", maxAgreement, 0, 1);
        if (!(expectedPoisonRate > 0 && expectedPoisonRate * 1.5 < 1)) {
            throw ConfigException.invalid(PREFIX + "expected-poison-rate", "in (0, 0.66)", expectedPoisonRate);
        }
        requireIn("spectral-min-score", spectralMinScore, 0, 1);
        requireIn("spectral-max-cluster-share", spectralMaxClusterShare, 0, 0.5);
        if (!(maxPValue > 0 && maxPValue <= 1)) {
            throw ConfigException.invalid(PREFIX + "max-p-value", "in (0, 1]", maxPValue);
        }
    }

    private static void requireIn(String key, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw ConfigException.invalid(PREFIX + key, "in [" + lo + ", " + hi + "]", v);
        }
    }

    public static BackdoorSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static BackdoorSettings fromConfig(Config c) {
        return new BackdoorSettings(
                c.getDouble(PREFIX + "min-support"),
                c.getDouble(PREFIX + "max-support"),
                c.getDouble(PREFIX + "min-purity"),
                c.getInt(PREFIX + "neighbours"),
                c.getDouble(PREFIX + "max-agreement"),
                c.getDouble(PREFIX + "expected-poison-rate"),
                c.getDouble(PREFIX + "spectral-min-score"),
                c.getDouble(PREFIX + "spectral-max-cluster-share"),
                c.getLong("scan.seed"),
                c.getDouble(PREFIX + "max-p-value"));
    }
}
