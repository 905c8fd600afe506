package io.modelwarden.detect.poisoning;

import io.modelwarden.stats.CategoryCounts;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.datasketches.kll.KllDoublesSketch;

/**
 * What drift detection needs of one dataset: per feature the count, mean, standard deviation and KLL
 * quantile sketch, the label counts, and per category column its value counts (in column order).
 * Built from a scan's {@link ScanProfile} or read back from a baseline ({@code
 * io.modelwarden.baseline.Baseline#stats()}).
 */
public record DatasetStats(
        String[] featureNames, long rows, long[] counts, double[] means, double[] stds, KllDoublesSketch[] sketches,
        Map<String, Long> labelCounts, Map<String, CategoryCounts> categories) {
    public DatasetStats {
        int d = featureNames.length;
        if (counts.length != d || means.length != d || stds.length != d || sketches.length != d) {
            throw new IllegalArgumentException("per-feature arrays must have " + d + " entries");
        }
        labelCounts = new TreeMap<>(labelCounts);
        categories = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(categories));
    }

    /** A dataset without category columns. */
    public DatasetStats(String[] featureNames, long rows, long[] counts, double[] means, double[] stds, KllDoublesSketch[] sketches,
            Map<String, Long> labelCounts) {
        this(featureNames, rows, counts, means, stds, sketches, labelCounts, Map.of());
    }

    public static DatasetStats of(ScanProfile p) {
        int d = p.dimensions();
        long[] counts = new long[d];
        double[] means = new double[d];
        double[] stds = new double[d];
        KllDoublesSketch[] sketches = new KllDoublesSketch[d];
        for (int j = 0; j < d; j++) {
            counts[j] = p.moments(j).count();
            means[j] = p.moments(j).mean();
            stds[j] = p.moments(j).stddev();
            sketches[j] = p.sketch(j);
        }
        return new DatasetStats(p.featureNames(), p.rows(), counts, means, stds, sketches, p.labelCounts(), p.categories());
    }

    public int dimensions() {
        return featureNames.length;
    }

    /** Index of a feature by name, or -1. */
    public int indexOf(String feature) {
        for (int j = 0; j < featureNames.length; j++) {
            if (featureNames[j].equals(feature)) {
                return j;
            }
        }
        return -1;
    }
}
