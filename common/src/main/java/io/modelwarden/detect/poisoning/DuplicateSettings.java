package io.modelwarden.detect.poisoning;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the duplicate detector ({@code scan.detectors.duplicates.*}).
 *
 * @param radius rows whose z-scores differ by at most this root mean square are near duplicates, in
 *     standard deviations (default 0.01, at most {@link NearDuplicateHash#MAX_RADIUS}); 0 finds exact
 *     copies only, at about three quarters of the grouping's cost
 * @param minCopies a group with at least this many rows is flagged (default 2)
 * @param maxMembersListed members kept per group and turned into row findings (default 1000)
 * @param maxBucketRows distinct rows of one hash bucket compared for nearness (default 4096); further
 *     rows of a fuller bucket still join their exact copies among them
 * @param maxNaturalShare the radius shrinks until at most this share of the rows would have a neighbour
 *     within it that is no copy, as extrapolated from the sample (default 0.0001; {@link
 *     NearDuplicateHash#fit})
 * @param maxPValue with a baseline, a group is flagged only when so many copies are this improbable
 *     under the baseline's duplicate rate, and the dataset's share of copies only when its count is
 *     (default 0.001; {@link DuplicateRate})
 * @param maxExcessShare with a baseline, the share of rows that are extra copies may exceed the
 *     baseline's by this much before the dataset is flagged (default 0.001; {@link DuplicateRate#excess})
 */
public record DuplicateSettings(double radius, int minCopies, int maxMembersListed, int maxBucketRows, double maxNaturalShare,
        double maxPValue, double maxExcessShare) implements Serializable {
    private static final long serialVersionUID = 3L;
    public static final String PREFIX = "scan.detectors.duplicates.";

    public DuplicateSettings {
        if (!(radius >= 0) || radius > NearDuplicateHash.MAX_RADIUS) {
            throw ConfigException.invalid(PREFIX + "radius", "in [0, " + NearDuplicateHash.MAX_RADIUS + "]", radius);
        }
        if (minCopies < 2) {
            throw ConfigException.invalid(PREFIX + "min-copies", ">= 2", minCopies);
        }
        if (maxMembersListed < 1) {
            throw ConfigException.invalid(PREFIX + "max-members-listed", "> 0", maxMembersListed);
        }
        if (maxBucketRows < 2) {
            throw ConfigException.invalid(PREFIX + "max-bucket-rows", ">= 2", maxBucketRows);
        }
        if (!(maxNaturalShare > 0) || !(maxNaturalShare <= 1)) {
            throw ConfigException.invalid(PREFIX + "max-natural-share", "in (0, 1]", maxNaturalShare);
        }
        if (!(maxPValue > 0) || !(maxPValue <= 1)) {
            throw ConfigException.invalid(PREFIX + "max-p-value", "in (0, 1]", maxPValue);
        }
        if (!(maxExcessShare >= 0) || !(maxExcessShare < 1)) {
            throw ConfigException.invalid(PREFIX + "max-excess-share", "in [0, 1)", maxExcessShare);
        }
    }

    /** These settings with the radius a scan calibrated on its data. */
    public DuplicateSettings withRadius(double calibrated) {
        return new DuplicateSettings(calibrated, minCopies, maxMembersListed, maxBucketRows, maxNaturalShare, maxPValue, maxExcessShare);
    }

    public static DuplicateSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static DuplicateSettings fromConfig(Config c) {
        return new DuplicateSettings(c.getDouble(PREFIX + "radius"), c.getInt(PREFIX + "min-copies"),
                c.getInt(PREFIX + "max-members-listed"), c.getInt(PREFIX + "max-bucket-rows"), c.getDouble(PREFIX + "max-natural-share"),
                c.getDouble(PREFIX + "max-p-value"), c.getDouble(PREFIX + "max-excess-share"));
    }
}
