package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the schema detectors ({@code scan.detectors.schema.*}).
 *
 * @param iqrFactor k of the range constraint [q1 - k IQR, q3 + k IQR] (default 3.0)
 * @param maxRejectedShare a larger share of rejected (unparseable) rows is a finding (default 0.01)
 * @param maxMissingShare a feature whose share of missing values exceeds its baseline's (0 without
 *     one) by more than this is a finding (default 0.05; missing values reach the scan only with
 *     {@code scan.missing-values: impute}, otherwise their rows are rejected)
 * @param maxNewCategoryShare a row is flagged for a category value the baseline never had when that
 *     value covers at most this share of the scan's rows with a value in the column (default 0.05);
 *     a more common new value (a new batch or version stamp, a new region) is left to the
 *     dataset-level finding
 * @param maxPValue a new category value is flagged only when its count is this improbable for a value
 *     the baseline's rows never had (Poisson, at the rule-of-three bound 3 / baseline rows of its
 *     probability; default 0.001): a long tail of rare values brings new ones in every batch
 */
public record SchemaSettings(double iqrFactor, double maxRejectedShare, double maxMissingShare, double maxNewCategoryShare, double maxPValue)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "scan.detectors.schema.";

    public SchemaSettings {
        if (!(iqrFactor > 0) || !Double.isFinite(iqrFactor)) {
            throw ConfigException.invalid(PREFIX + "iqr-factor", "> 0", iqrFactor);
        }
        if (!(maxRejectedShare >= 0 && maxRejectedShare < 1)) {
            throw ConfigException.invalid(PREFIX + "max-rejected-share", "in [0, 1)", maxRejectedShare);
        }
        if (!(maxMissingShare >= 0 && maxMissingShare < 1)) {
            throw ConfigException.invalid(PREFIX + "max-missing-share", "in [0, 1)", maxMissingShare);
        }
        if (!(maxNewCategoryShare >= 0 && maxNewCategoryShare <= 1)) {
            throw ConfigException.invalid(PREFIX + "max-new-category-share", "in [0, 1]", maxNewCategoryShare);
        }
        if (!(maxPValue > 0 && maxPValue <= 1)) {
            throw ConfigException.invalid(PREFIX + "max-p-value", "in (0, 1]", maxPValue);
        }
    }

    public static SchemaSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static SchemaSettings fromConfig(Config c) {
        return new SchemaSettings(c.getDouble(PREFIX + "iqr-factor"), c.getDouble(PREFIX + "max-rejected-share"), c.getDouble(PREFIX + "max-missing-share"),
                c.getDouble(PREFIX + "max-new-category-share"), c.getDouble(PREFIX + "max-p-value"));
    }
}
