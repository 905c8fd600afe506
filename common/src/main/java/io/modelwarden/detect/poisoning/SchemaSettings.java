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
 */
public record SchemaSettings(double iqrFactor, double maxRejectedShare, double maxMissingShare) implements Serializable {
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
    }

    public static SchemaSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static SchemaSettings fromConfig(Config c) {
        return new SchemaSettings(c.getDouble(PREFIX + "iqr-factor"), c.getDouble(PREFIX + "max-rejected-share"), c.getDouble(PREFIX + "max-missing-share"));
    }
}
