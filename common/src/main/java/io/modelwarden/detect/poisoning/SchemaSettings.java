package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the schema detectors ({@code scan.detectors.schema.*}).
 *
 * @param iqrFactor k of the range constraint [q1 - k IQR, q3 + k IQR] (default 3.0)
 * @param maxRejectedShare a larger share of rejected (unparseable) rows is a finding (default 0.01)
 */
public record SchemaSettings(double iqrFactor, double maxRejectedShare) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "scan.detectors.schema.";

    public SchemaSettings {
        if (!(iqrFactor > 0) || !Double.isFinite(iqrFactor)) {
            throw ConfigException.invalid(PREFIX + "iqr-factor", "> 0", iqrFactor);
        }
        if (!(maxRejectedShare >= 0 && maxRejectedShare < 1)) {
            throw ConfigException.invalid(PREFIX + "max-rejected-share", "in [0, 1)", maxRejectedShare);
        }
    }

    public static SchemaSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static SchemaSettings fromConfig(Config c) {
        return new SchemaSettings(c.getDouble(PREFIX + "iqr-factor"), c.getDouble(PREFIX + "max-rejected-share"));
    }
}
