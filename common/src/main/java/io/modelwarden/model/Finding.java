package io.modelwarden.model;

import java.util.Objects;

/**
 * One batch-scan finding: a flagged row (or the whole dataset) for one detector. A Flink POJO; the
 * evidence crosses operators already rendered as a JSON object string.
 *
 * <p>JSON form (see {@code io.modelwarden.json.Json#finding}): {@code {"finding_id", "scan_id",
 * "row_id", "row_index", "detector", "threat", "kind", "stride", "score", "risk_score", "priority",
 * "evidence"}}; {@code row_id} and {@code row_index} are null for dataset-level findings.
 */
public final class Finding {
    /** Deterministic: derived from the scan id, detector, kind and row, so re-runs upsert. */
    public String findingId;

    /** The scan this finding belongs to (derived from the dataset fingerprint). */
    public String scanId;

    /** Null for dataset-level findings. */
    public String rowId;

    /** -1 for dataset-level findings (written as JSON null). */
    public long rowIndex = -1;

    public String detector;
    public Threat threat;
    public FindingKind kind;
    public Stride stride;
    public double score;
    public int riskScore;
    public Priority priority;

    /** A JSON object, e.g. {@code {"threshold":0.62,"path_length":3.1}}. */
    public String evidenceJson;

    public Finding() {}

    /** A copy of every field (for an operator that keeps a finding while Flink reuses the record). */
    public Finding copy() {
        Finding c = new Finding();
        c.findingId = findingId;
        c.scanId = scanId;
        c.rowId = rowId;
        c.rowIndex = rowIndex;
        c.detector = detector;
        c.threat = threat;
        c.kind = kind;
        c.stride = stride;
        c.score = score;
        c.riskScore = riskScore;
        c.priority = priority;
        c.evidenceJson = evidenceJson;
        return c;
    }

    public boolean isDatasetLevel() {
        return rowIndex < 0;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Finding f)) {
            return false;
        }
        return rowIndex == f.rowIndex
                && Double.compare(score, f.score) == 0
                && riskScore == f.riskScore
                && Objects.equals(findingId, f.findingId)
                && Objects.equals(scanId, f.scanId)
                && Objects.equals(rowId, f.rowId)
                && Objects.equals(detector, f.detector)
                && threat == f.threat
                && kind == f.kind
                && stride == f.stride
                && priority == f.priority
                && Objects.equals(evidenceJson, f.evidenceJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(findingId, detector, rowIndex, kind);
    }

    @Override
    public String toString() {
        return "Finding{" + detector + "/" + kind + " row=" + rowId + " score=" + score + " " + evidenceJson + "}";
    }
}
