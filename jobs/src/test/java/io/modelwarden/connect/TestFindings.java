package io.modelwarden.connect;

import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Priority;
import io.modelwarden.model.Threat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small, deterministic findings of one scan: row-level ones plus one dataset-level finding. */
final class TestFindings {
    private TestFindings() {}

    /** {@code rows} row-level OUTLIER findings and one dataset-level SCHEMA finding. */
    static List<Finding> scan(String scanId, int rows) {
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("threshold", 0.62);
            evidence.put("path_length", 3.0 + i / 100.0);
            evidence.put("features", List.of("f1", "f" + (i % 5)));
            out.add(finding(scanId, "row-" + i, i, "isolation-forest", FindingKind.OUTLIER,
                    0.6 + (i % 40) / 100.0, 8, Priority.HIGH, Json.evidence(evidence)));
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("threshold", 0.01);
        evidence.put("rejected_share", 0.034);
        out.add(finding(scanId, null, -1, "schema", FindingKind.SCHEMA, 0.95, 5, Priority.MEDIUM,
                Json.evidence(evidence)));
        return out;
    }

    static Finding finding(String scanId, String rowId, long rowIndex, String detector, FindingKind kind,
            double score, int risk, Priority priority, String evidenceJson) {
        Finding f = new Finding();
        f.scanId = scanId;
        f.rowId = rowId;
        f.rowIndex = rowIndex;
        f.detector = detector;
        f.threat = Threat.DATA_POISONING;
        f.stride = Threat.DATA_POISONING.stride();
        f.kind = kind;
        f.score = score;
        f.riskScore = risk;
        f.priority = priority;
        f.evidenceJson = evidenceJson;
        f.findingId = scanId + ":" + detector + ":" + kind + ":" + (rowId == null ? "dataset" : rowId);
        return f;
    }
}
