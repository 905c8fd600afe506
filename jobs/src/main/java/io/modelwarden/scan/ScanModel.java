package io.modelwarden.scan;

import io.modelwarden.baseline.FingerprintSettings;
import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.DuplicateSettings;
import io.modelwarden.detect.poisoning.NearDuplicateHash;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.detect.poisoning.Standardizer;
import java.io.Serializable;
import java.util.List;

/**
 * Everything the scoring pass ships to its parallel tasks: the fitted row detectors, the
 * standardiser they share, the factory that stamps findings, and what the pass derives per row for
 * the grouping detectors (duplicate buckets) and the baseline (training-row fingerprints). Built in the
 * client from the profile of the first pass; its size is bounded by the models (the reference
 * sample), not by the dataset.
 */
public final class ScanModel implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Standardizer standardizer;
    private final List<RowDetector> detectors;
    private final FindingFactory findings;
    private final DuplicateSettings duplicates;
    private final NearDuplicateHash nearDuplicates;
    private final FingerprintSettings fingerprints;
    private final long expectedRows;
    private final double[] fill;
    private final String[] featureNames;
    private final int[] copyCategories;

    public ScanModel(
            Standardizer standardizer,
            List<RowDetector> detectors,
            FindingFactory findings,
            DuplicateSettings duplicates,
            NearDuplicateHash nearDuplicates,
            FingerprintSettings fingerprints,
            long expectedRows,
            String[] featureNames,
            double[] fill,
            int[] copyCategories) {
        this.standardizer = standardizer;
        this.detectors = List.copyOf(detectors);
        this.findings = findings;
        this.duplicates = duplicates;
        this.nearDuplicates = nearDuplicates;
        this.fingerprints = fingerprints;
        this.expectedRows = expectedRows;
        this.featureNames = featureNames.clone();
        this.fill = fill == null ? null : fill.clone();
        this.copyCategories = copyCategories.clone();
    }

    /**
     * The category columns (indexes into a row's category values) that copies must agree on: all but
     * the identifying ones (free text, or mostly distinct values: an id no --id-column named).
     */
    public int[] copyCategories() {
        return copyCategories.clone();
    }

    /** The feature columns, in the order of a row's features. */
    public String[] featureNames() {
        return featureNames.clone();
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    public List<RowDetector> detectors() {
        return detectors;
    }

    public FindingFactory findings() {
        return findings;
    }

    /** Null when duplicate detection is off. */
    public DuplicateSettings duplicates() {
        return duplicates;
    }

    /** The buckets and sketches of the duplicate grouping; null when duplicate detection is off or finds exact copies only (radius 0). */
    public NearDuplicateHash nearDuplicates() {
        return nearDuplicates;
    }

    /** Null when no fingerprints are written. */
    public FingerprintSettings fingerprints() {
        return fingerprints;
    }

    /**
     * The value a missing feature is scored with (its median in the sample, in feature order), or
     * null when missing values are rejected ({@code scan.missing-values: reject}).
     */
    public double[] fill() {
        return fill;
    }

    /** Rows the profile pass accepted: sizes the fingerprint filter. */
    public long expectedRows() {
        return expectedRows;
    }
}
