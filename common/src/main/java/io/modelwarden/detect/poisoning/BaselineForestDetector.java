package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OUTLIER against the trusted baseline: the baseline scan's own isolation forest, z-scoring with the
 * baseline's moments and flagging at the threshold calibrated on the trusted sample.
 *
 * <p><b>Attack.</b> Poison injected as a cluster (many rows near one point: synthetic rows, one
 * tampered source) shapes the forest fitted on the poisoned data itself. It is less isolated there
 * (masking), and the fitted threshold, the (1 - {@code contamination}) quantile of the poisoned
 * sample's scores, flags at most about that share of rows: with 8 features of the generator a tight
 * cluster of 5% of the rows 3 sigma off was flagged 1,152 times of 5,000 by the scan's forest and 5,000
 * times by the trusted one (README "Benchmarks"). The trusted forest never saw the cluster.
 *
 * <p><b>Signal.</b> {@link IsolationForestDetector#scoreZ} of the row's features z-scored by the
 * baseline's {@link Standardizer}; flagged at the baseline forest's threshold. Evidence as the
 * isolation forest's, plus the baseline's scan id. Rows the scan's own forest flags are mostly flagged
 * here too: two findings, one per reference.
 *
 * <p><b>Cost.</b> One more z-scoring and one more forest walk per row (about 1.3 us at 30 features),
 * only with {@code --baseline}; a per-thread buffer, no allocation. Memory: the baseline's forest
 * (about 1 MB). Off with {@code scan.detectors.isolation-forest.against-baseline: false}.
 */
public final class BaselineForestDetector implements RowDetector {
    private static final long serialVersionUID = 1L;
    public static final String ID = "baseline_forest";

    private final IsolationForestDetector forest;
    private final Standardizer standardizer;
    private final String baselineScanId;
    private transient ThreadLocal<double[]> z;

    public BaselineForestDetector(IsolationForestDetector forest, Standardizer standardizer, String baselineScanId) {
        if (forest.dimensions() != standardizer.dimensions()) {
            throw new IllegalArgumentException("the baseline forest has " + forest.dimensions() + " features, its moments " + standardizer.dimensions());
        }
        this.forest = forest;
        this.standardizer = standardizer;
        this.baselineScanId = baselineScanId;
    }

    /**
     * The baseline's forest from its {@code isolation_forest} entry ({@code model}), or null when the
     * entry holds none.
     */
    public static BaselineForestDetector fromBaselineEntry(Map<String, Object> entry, Standardizer standardizer, String baselineScanId) {
        if (entry == null || !(entry.get("model") instanceof Map<?, ?> model)) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> m = (Map<String, ?>) model;
        return new BaselineForestDetector(IsolationForestDetector.fromModelJson(m), standardizer, baselineScanId);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.OUTLIER;
    }

    private double[] trustedZ(TrainingRow row) {
        if (z == null) {
            z = ThreadLocal.withInitial(() -> new double[standardizer.dimensions()]);
        }
        double[] buf = z.get();
        standardizer.apply(row.features, buf);
        return buf;
    }

    @Override
    public double score(TrainingRow row, double[] ignored) {
        return forest.scoreZ(trustedZ(row));
    }

    @Override
    public double threshold() {
        return forest.threshold();
    }

    @Override
    public Detection explain(TrainingRow row, double[] ignored, double score) {
        Map<String, Object> ev = new LinkedHashMap<>(forest.explain(row, trustedZ(row), score).evidence());
        ev.put("baseline_scan_id", baselineScanId);
        return Detection.of(score, ev);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>(forest.parameters());
        p.put("baseline_scan_id", baselineScanId);
        return p;
    }
}
