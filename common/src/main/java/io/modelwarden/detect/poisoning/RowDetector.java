package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import io.modelwarden.model.TrainingRow;
import java.io.Serializable;
import java.util.Map;

/**
 * A fitted row-level poisoning detector: built once per scan from the {@link ScanProfile} (and the
 * baseline, when given), then shipped to every parallel scoring task and applied to each row.
 *
 * <p>The per-row path is {@link #score}: no allocation, no shared mutable state. Only rows whose score
 * reaches {@link #threshold()} pay for {@link #explain}, which builds the evidence.
 */
public interface RowDetector extends Serializable {
    /** snake_case id written into findings, e.g. {@code isolation_forest}. */
    String id();

    default Threat threat() {
        return Threat.DATA_POISONING;
    }

    FindingKind kind();

    /**
     * The row's score in [0, 1].
     *
     * @param row the row as read
     * @param z the row's features z-scored by the profile's {@link Standardizer} (shared work; do not
     *     modify)
     */
    double score(TrainingRow row, double[] z);

    /** Rows scoring at or above this are flagged. */
    double threshold();

    /** Evidence for a flagged row; called only when {@code score >= threshold()}. */
    Detection explain(TrainingRow row, double[] z, double score);

    /** Parameters and calibrated thresholds, as written into summary.json and the baseline. */
    Map<String, Object> parameters();
}
