package io.modelwarden.connect;

import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import io.modelwarden.model.Priority;
import io.modelwarden.model.Threat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small, deterministic monitor alerts with ids derived like the real ones (detector, key, window, event). */
final class TestAlerts {
    static final long T0 = Instant.parse("2026-11-29T08:00:00.123Z").toEpochMilli();

    private TestAlerts() {}

    /** {@code n} alerts over {@code clients} clients of model "m-1", one minute of event time apart. */
    static List<Alert> alerts(String run, int n, int clients) {
        List<Alert> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Alert a = new Alert();
            a.detector = i % 2 == 0 ? "rate" : "prada";
            a.threat = i % 2 == 0 ? Threat.DENIAL_OF_SERVICE : Threat.MODEL_STEALING;
            a.stride = a.threat.stride();
            a.modelId = "m-1";
            a.clientId = "client-" + (i % clients);
            a.sourceIp = "10.0.0." + (i % clients);
            a.score = 0.5 + (i % 50) / 100.0;
            a.riskScore = 7 + i % 3;
            a.priority = a.riskScore >= 9 ? Priority.CRITICAL : Priority.HIGH;
            a.likelihood = i % 2 == 0 ? "HIGH" : "MEDIUM";
            a.impact = i % 3 == 0 ? "CRITICAL" : "MEDIUM";
            a.eventTimeMillis = T0 + i * 60_000L;
            a.windowStartMillis = a.eventTimeMillis - 60_000L;
            a.windowEndMillis = a.eventTimeMillis;
            a.detectedAtMillis = a.eventTimeMillis + 1_500L;
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("x", i);
            evidence.put("threshold", 200);
            evidence.put("window", List.of("1m", i));
            a.evidenceJson = Json.evidence(evidence);
            a.alertId = run + ":" + a.detector + ":" + a.modelId + "|" + a.clientId + ":" + a.windowStartMillis + ":e-" + i;
            out.add(a);
        }
        return out;
    }
}
