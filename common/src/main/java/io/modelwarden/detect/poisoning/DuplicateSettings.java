package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the duplicate detector ({@code scan.detectors.duplicates.*}).
 *
 * @param resolution near-duplicate grid, in baseline standard deviations (default 0.01)
 * @param minCopies a group with at least this many rows is flagged (default 2)
 * @param maxMembersListed members kept per group and turned into row findings (default 1000)
 */
public record DuplicateSettings(double resolution, int minCopies, int maxMembersListed) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "scan.detectors.duplicates.";

    public DuplicateSettings {
        if (!(resolution > 0) || !Double.isFinite(resolution)) {
            throw ConfigException.invalid(PREFIX + "resolution", "> 0", resolution);
        }
        if (minCopies < 2) {
            throw ConfigException.invalid(PREFIX + "min-copies", ">= 2", minCopies);
        }
        if (maxMembersListed < 1) {
            throw ConfigException.invalid(PREFIX + "max-members-listed", "> 0", maxMembersListed);
        }
    }

    public static DuplicateSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static DuplicateSettings fromConfig(Config c) {
        return new DuplicateSettings(
                c.getDouble(PREFIX + "resolution"), c.getInt(PREFIX + "min-copies"), c.getInt(PREFIX + "max-members-listed"));
    }
}
