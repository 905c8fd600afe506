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
 * baseline's {@link Standardizer}; flagged at the baseline forest's threshold, unless the scan's own
 * forest flags the row already (its {@code isolation_forest} finding says so; one finding per row, not
 * two): this detector reports the rows the data's own forest accepts and the trusted one does not.
 * Evidence as the isolation forest's, plus the own forest's score and the baseline's scan id.
 *
 * <p><b>Cost.</b> One more z-scoring and one more forest walk per row (about 1.3 us at 30
 * features; the own forest is walked again only for the rows the trusted one flags), only with
 * {@code --baseline}; a per-thread buffer, no allocation. Memory: the baseline's
 * forest (about 1 MB). Off with {@code scan.detectors.isolation-forest.against-baseline: false}.
 */
public final class BaselineForestDetector implements RowDetector {
    private static final long serialVersionUID = 1L;
    public static final String ID = "baseline_forest";

    private final IsolationForestDetector forest;
    private final Standardizer standardizer;
    private final String baselineScanId;
    /** The scan's own forest (scoring the scan's z-scores), or null when it has none. */
    private final IsolationForestDetector own;
    private transient ThreadLocal<double[]> z;

    /**
     * @param forest the baseline's forest, {@code standardizer} its z-scoring
     * @param own the scan's own forest, whose flagged rows this one leaves to it; null for none
     */
    public BaselineForestDetector(IsolationForestDetector forest, Standardizer standardizer, String baselineScanId, IsolationForestDetector own) {
        if (forest.dimensions() != standardizer.dimensions()) {
            throw new IllegalArgumentException("the baseline forest has " + forest.dimensions() + " features, its moments " + standardizer.dimensions());
        }
        this.forest = forest;
        this.standardizer = standardizer;
        this.baselineScanId = baselineScanId;
        this.own = own;
    }

    /**
     * The baseline's forest from its {@code isolation_forest} entry ({@code model}), or null when the
     * entry holds none.
     */
    public static BaselineForestDetector fromBaselineEntry(Map<String, Object> entry, Standardizer standardizer, String baselineScanId,
            IsolationForestDetector own) {
        if (entry == null || !(entry.get("model") instanceof Map<?, ?> model)) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> m = (Map<String, ?>) model;
        return new BaselineForestDetector(IsolationForestDetector.fromModelJson(m), standardizer, baselineScanId, own);
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

    /** @param z the row z-scored by the scan's own standardizer (what the own forest scores) */
    @Override
    public double score(TrainingRow row, double[] z) {
        double trusted = forest.scoreZ(trustedZ(row));
        // The own forest is asked only about the few rows the trusted one flags (about 1%), not every row.
        if (trusted >= forest.threshold() && own != null && own.scoreZ(z) >= own.threshold()) {
            return 0.0; // the scan's own forest reports it
        }
        return trusted;
    }

    @Override
    public double threshold() {
        return forest.threshold();
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        Map<String, Object> ev = new LinkedHashMap<>(forest.explain(row, trustedZ(row), score).evidence());
        if (own != null) {
            ev.put("own_forest_score", own.scoreZ(z));
            ev.put("own_forest_threshold", own.threshold());
        }
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
