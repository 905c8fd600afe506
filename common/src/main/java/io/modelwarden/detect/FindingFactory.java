package io.modelwarden.detect;

import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.stats.Hashing;
import java.io.Serializable;

/**
 * Turns detections into findings of one scan: stamps the scan id, the risk score and priority from
 * the risk policy, and a deterministic finding id so that re-running the same scan upserts instead of
 * adding rows.
 */
public final class FindingFactory implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String scanId;
    private final RiskPolicy risk;

    public FindingFactory(String scanId, RiskPolicy risk) {
        this.scanId = scanId;
        this.risk = risk;
    }

    public String scanId() {
        return scanId;
    }

    /** A finding about one row. */
    public Finding row(String detector, Threat threat, FindingKind kind, String rowId, long rowIndex, int fileIndex, Detection d) {
        Finding f = build(detector, threat, kind, d);
        f.rowId = rowId;
        f.rowIndex = rowIndex;
        f.findingId = id(detector, kind, fileIndex + ":" + rowIndex);
        return f;
    }

    /** A finding about the whole dataset (or one column of it); {@code subject} makes its id unique. */
    public Finding dataset(String detector, Threat threat, FindingKind kind, String subject, Detection d) {
        Finding f = build(detector, threat, kind, d);
        f.rowId = null;
        f.rowIndex = -1;
        f.findingId = id(detector, kind, "dataset:" + subject);
        return f;
    }

    private Finding build(String detector, Threat threat, FindingKind kind, Detection d) {
        RiskPolicy.Assessment a = risk.assess(threat, kind, d.score());
        Finding f = new Finding();
        f.scanId = scanId;
        f.detector = detector;
        f.threat = threat;
        f.kind = kind;
        f.stride = threat.stride();
        f.score = d.score();
        f.riskScore = a.riskScore();
        f.priority = a.priority();
        f.evidenceJson = Json.evidence(d.evidence());
        return f;
    }

    private String id(String detector, FindingKind kind, String subject) {
        return Hashing.sha256Hex(scanId + "|" + detector + "|" + kind + "|" + subject).substring(0, 32);
    }
}
