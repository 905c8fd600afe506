package io.modelwarden.detect.serving;

import io.modelwarden.baseline.Baseline;
import io.modelwarden.baseline.TrainingFingerprints;
import io.modelwarden.detect.poisoning.Standardizer;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What the streaming monitor knows about one served model, taken from the baseline of its trusted
 * training scan: the feature order events must follow, the z-scoring, per-feature quantiles, the
 * training-row fingerprints, label counts and the calibrated thresholds the scan recorded per
 * detector. Immutable; shipped inside the detectors.
 */
public final class ServingBaseline implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String modelId;
    private final List<String> featureOrder;
    private final Standardizer standardizer;
    /** [feature][101 quantile points at ranks 0, 0.01, ..., 1]. */
    private final double[][] quantiles;
    private final TrainingFingerprints fingerprints;
    private final Map<String, Long> labelCounts;
    private final Map<String, Map<String, Object>> detectors;

    public ServingBaseline(
            String modelId,
            List<String> featureOrder,
            Standardizer standardizer,
            double[][] quantiles,
            TrainingFingerprints fingerprints,
            Map<String, Long> labelCounts,
            Map<String, Map<String, Object>> detectors) {
        this.modelId = modelId;
        this.featureOrder = List.copyOf(featureOrder);
        this.standardizer = standardizer;
        this.quantiles = quantiles;
        this.fingerprints = fingerprints;
        this.labelCounts = Map.copyOf(labelCounts);
        this.detectors = Map.copyOf(detectors);
    }

    public static ServingBaseline of(String modelId, Baseline b) {
        double[][] q = new double[b.features.size()][];
        for (int j = 0; j < q.length; j++) {
            q[j] = b.features.get(j).quantiles;
        }
        return new ServingBaseline(modelId, b.featureOrder, b.standardizer(), q, b.fingerprintFilter, b.labelCounts, b.detectors);
    }

    public String modelId() {
        return modelId;
    }

    public int dimensions() {
        return featureOrder.size();
    }

    public List<String> featureOrder() {
        return featureOrder;
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    /** 101 quantile points of feature j (ranks 0, 0.01, ..., 1). */
    public double[] quantiles(int feature) {
        return quantiles[feature];
    }

    /** Null when the baseline carries no fingerprints. */
    public TrainingFingerprints fingerprints() {
        return fingerprints;
    }

    public Map<String, Long> labelCounts() {
        return labelCounts;
    }

    /** Parameters and thresholds a scan detector recorded, e.g. {@code detector("isolation_forest")}. */
    public Map<String, Object> detector(String id) {
        return detectors.getOrDefault(id, Map.of());
    }
}
