package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the drift detector ({@code scan.detectors.drift.*}); defaults from DETECTORS.md B5.
 *
 * @param bins baseline-quantile bins for PSI (10)
 * @param psiThreshold PSI above this drifts (0.2)
 * @param wassersteinThreshold Wasserstein-1 / baseline sigma above this drifts (0.1, Evidently)
 * @param ksAlpha family-wise alpha of the Bonferroni-corrected two-sample KS test (0.05)
 * @param ksMaxRows when the smaller sample has at most this many rows, KS decides (1000)
 * @param minRows fewer rows on either side: no verdict for the feature (100)
 * @param datasetShare dataset-level drift when at least this share of features drift (0.5)
 * @param labelJsThreshold Jensen-Shannon distance (base 2) of the label distribution (0.1)
 * @param categoryJsThreshold Jensen-Shannon distance (base 2) of a category column's distribution,
 *     which drifts when it exceeds this and a chi-square test of the two counts rejects sameness at
 *     {@code ksAlpha} (Bonferroni over the category columns) (0.1)
 */
public record DriftSettings(
        int bins, double psiThreshold, double wassersteinThreshold, double ksAlpha, int ksMaxRows, int minRows,
        double datasetShare, double labelJsThreshold, double categoryJsThreshold)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "scan.detectors.drift.";

    public DriftSettings {
        if (bins < 2) {
            throw ConfigException.invalid(PREFIX + "bins", ">= 2", bins);
        }
        positive("psi-threshold", psiThreshold);
        positive("wasserstein-threshold", wassersteinThreshold);
        if (!(ksAlpha > 0 && ksAlpha < 1)) {
            throw ConfigException.invalid(PREFIX + "ks-alpha", "in (0, 1)", ksAlpha);
        }
        if (ksMaxRows < 0) {
            throw ConfigException.invalid(PREFIX + "ks-max-rows", ">= 0", ksMaxRows);
        }
        if (minRows < 1) {
            throw ConfigException.invalid(PREFIX + "min-rows", "> 0", minRows);
        }
        if (!(datasetShare > 0 && datasetShare <= 1)) {
            throw ConfigException.invalid(PREFIX + "dataset-share", "in (0, 1]", datasetShare);
        }
        if (!(labelJsThreshold > 0 && labelJsThreshold <= 1)) {
            throw ConfigException.invalid(PREFIX + "label-js-threshold", "in (0, 1]", labelJsThreshold);
        }
        if (!(categoryJsThreshold > 0 && categoryJsThreshold <= 1)) {
            throw ConfigException.invalid(PREFIX + "category-js-threshold", "in (0, 1]", categoryJsThreshold);
        }
    }

    private static void positive(String key, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw ConfigException.invalid(PREFIX + key, "> 0", v);
        }
    }

    public static DriftSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static DriftSettings fromConfig(Config c) {
        return new DriftSettings(
                c.getInt(PREFIX + "bins"),
                c.getDouble(PREFIX + "psi-threshold"),
                c.getDouble(PREFIX + "wasserstein-threshold"),
                c.getDouble(PREFIX + "ks-alpha"),
                c.getInt(PREFIX + "ks-max-rows"),
                c.getInt(PREFIX + "min-rows"),
                c.getDouble(PREFIX + "dataset-share"),
                c.getDouble(PREFIX + "label-js-threshold"),
                c.getDouble(PREFIX + "category-js-threshold"));
    }
}
