package io.modelwarden.baseline;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the training-row fingerprints ({@code scan.detectors.duplicates.fingerprint-*}).
 *
 * @param resolution quantisation grid in baseline standard deviations (0.01, DETECTORS.md S6)
 * @param fpp target false-positive rate of the Bloom filter (0.01)
 * @param maxBytes hard cap on the filter's size (64 MiB)
 */
public record FingerprintSettings(double resolution, double fpp, long maxBytes) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "scan.detectors.duplicates.fingerprint-";

    public FingerprintSettings {
        if (!(resolution > 0) || !Double.isFinite(resolution)) {
            throw ConfigException.invalid(PREFIX + "resolution", "> 0", resolution);
        }
        if (!(fpp > 0 && fpp < 1)) {
            throw ConfigException.invalid(PREFIX + "fpp", "in (0, 1)", fpp);
        }
        if (maxBytes < Long.BYTES || maxBytes > TrainingFingerprints.MAX_BYTES) {
            throw ConfigException.invalid(PREFIX + "max-bytes", "in [8, " + TrainingFingerprints.MAX_BYTES + "]", maxBytes);
        }
    }

    public static FingerprintSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static FingerprintSettings fromConfig(Config c) {
        return new FingerprintSettings(c.getDouble(PREFIX + "resolution"), c.getDouble(PREFIX + "fpp"), c.getLong(PREFIX + "max-bytes"));
    }
}
