package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * B6: per-row range constraints learnt from the baseline (a Deequ/TFDV-style value check).
 *
 * <p><b>Attack.</b> Injected rows with values no trusted row had (unit errors, sentinel values, crafted
 * outliers that pull a model's decision boundary), and NaN/Inf that break training.
 *
 * <p><b>Signal.</b> For each feature the baseline's q1 and q3 and IQR = q3 - q1; a value is a violation
 * when it lies outside [q1 - k IQR, q3 + k IQR] (Tukey's fences with k = {@code iqr-factor}), or is NaN
 * or infinite. A feature with IQR 0 (a constant or very discrete column) uses the baseline's
 * [min, max] instead, so its ordinary values are not all violations. Score of a violating row: {@code
 * 0.5 + 0.5 (1 - exp(-e))}, e = the largest distance beyond a fence in units of the fence's scale (IQR,
 * or the min-max width, or 1 when that is 0 too); NaN/Inf give 1. Rows within every range score 0;
 * the threshold is 0.5, so every violating row is flagged.
 *
 * <p><b>Cost.</b> O(d) per row, no allocation; memory 3 d doubles.
 *
 * <p><b>Parameters</b>: {@code scan.detectors.schema.iqr-factor} 3.0 (at k = 3 a Gaussian feature
 * breaks it with probability about 2.3e-6). Reference: DETECTORS.md B6; Tukey 1977.
 */
public final class RangeConstraintDetector implements RowDetector {
    private static final long serialVersionUID = 1L;
    public static final String ID = "range_constraint";
    static final double THRESHOLD = 0.5;
    private static final QuantileSearchCriteria INCLUSIVE = QuantileSearchCriteria.INCLUSIVE;

    private final String[] names;
    private final double[] lower;
    private final double[] upper;
    private final double[] scale;
    private final double iqrFactor;

    /**
     * @param q1 per-feature baseline first quartiles
     * @param q3 third quartiles
     * @param min baseline minimums (fences of features whose IQR is 0)
     * @param max baseline maximums
     */
    public RangeConstraintDetector(String[] names, double[] q1, double[] q3, double[] min, double[] max, double iqrFactor) {
        int d = names.length;
        if (q1.length != d || q3.length != d || min.length != d || max.length != d) {
            throw new IllegalArgumentException("per-feature arrays must have " + d + " entries");
        }
        this.names = names.clone();
        this.iqrFactor = iqrFactor;
        lower = new double[d];
        upper = new double[d];
        scale = new double[d];
        for (int j = 0; j < d; j++) {
            double iqr = q3[j] - q1[j];
            if (iqr > 0) {
                lower[j] = q1[j] - iqrFactor * iqr;
                upper[j] = q3[j] + iqrFactor * iqr;
                scale[j] = iqr;
            } else {
                lower[j] = min[j];
                upper[j] = max[j];
                scale[j] = max[j] - min[j] > 0 ? max[j] - min[j] : 1.0;
            }
        }
    }

    /** Fences from the baseline's sketches (q1, q3, min and max of each feature). */
    public static RangeConstraintDetector fromStats(DatasetStats stats, SchemaSettings settings) {
        int d = stats.dimensions();
        double[] q1 = new double[d];
        double[] q3 = new double[d];
        double[] min = new double[d];
        double[] max = new double[d];
        for (int j = 0; j < d; j++) {
            KllDoublesSketch s = stats.sketches()[j];
            if (s.isEmpty()) {
                q1[j] = q3[j] = 0;
                min[j] = Double.NEGATIVE_INFINITY;
                max[j] = Double.POSITIVE_INFINITY;
                continue;
            }
            q1[j] = s.getQuantile(0.25, INCLUSIVE);
            q3[j] = s.getQuantile(0.75, INCLUSIVE);
            min[j] = s.getMinItem();
            max[j] = s.getMaxItem();
        }
        return new RangeConstraintDetector(stats.featureNames(), q1, q3, min, max, settings.iqrFactor());
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.SCHEMA;
    }

    /** Distance beyond the fences in scale units; 0 inside; +infinity for NaN/Inf. */
    private double excess(int j, double v) {
        if (!Double.isFinite(v)) {
            return Double.POSITIVE_INFINITY;
        }
        if (v < lower[j]) {
            return (lower[j] - v) / scale[j];
        }
        if (v > upper[j]) {
            return (v - upper[j]) / scale[j];
        }
        return 0;
    }

    @Override
    public double score(TrainingRow row, double[] z) {
        double worst = 0;
        double[] x = row.features;
        for (int j = 0; j < lower.length; j++) {
            double e = excess(j, x[j]);
            if (e > worst) {
                worst = e;
            }
        }
        if (worst == 0) {
            return 0;
        }
        return THRESHOLD + (1 - THRESHOLD) * (1 - Math.exp(-worst));
    }

    @Override
    public double threshold() {
        return THRESHOLD;
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        List<Map<String, Object>> violations = new ArrayList<>();
        for (int j = 0; j < lower.length; j++) {
            double v = row.features[j];
            double e = excess(j, v);
            if (e > 0) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("feature", names[j]);
                m.put("value", Double.isFinite(v) ? (Object) v : String.valueOf(v));
                m.put("lower", lower[j]);
                m.put("upper", upper[j]);
                m.put("excess_iqr", Double.isFinite(e) ? (Object) e : "non-finite value");
                violations.add(m);
            }
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("constraint", "value within baseline [q1 - k IQR, q3 + k IQR]");
        ev.put("iqr_factor", iqrFactor);
        ev.put("violations", violations);
        return Detection.of(score, ev);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("iqr_factor", iqrFactor);
        Map<String, Object> fences = new LinkedHashMap<>();
        for (int j = 0; j < names.length; j++) {
            fences.put(names[j], List.of(lower[j], upper[j]));
        }
        p.put("fences", fences);
        return p;
    }
}
