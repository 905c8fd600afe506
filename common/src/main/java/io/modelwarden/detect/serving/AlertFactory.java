package io.modelwarden.detect.serving;

import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.stats.Hashing;
import java.io.Serializable;
import java.time.Clock;

/**
 * Turns a streaming detection into an {@link Alert}: risk score and priority from the {@link RiskPolicy}
 * (the threat's matrix cell, likelihood moved by the score), STRIDE from the threat, {@code detected_at}
 * from the injected clock (fixed in tests), and a deterministic {@code alert_id} =
 * SHA-256(detector | model_id | client_id | window start | last event id), first 32 hex digits, so a
 * replay or a restart from a checkpoint upserts instead of adding rows.
 */
public final class AlertFactory implements Serializable {
    private static final long serialVersionUID = 1L;

    private final RiskPolicy risk;
    private final Clock clock;

    public AlertFactory(RiskPolicy risk, Clock clock) {
        this.risk = risk;
        this.clock = clock;
    }

    public Alert create(ServingDetection d, ServingDetector<?> detector, InferenceEvent trigger) {
        return create(d, detector.id(), detector.threat(), trigger);
    }

    public Alert create(ServingDetection d, String detector, Threat threat, InferenceEvent trigger) {
        RiskPolicy.Assessment a = risk.assess(RiskPolicy.Category.valueOf(threat.name()), d.detection().score());
        Alert alert = new Alert();
        alert.alertId = alertId(detector, trigger.modelId, trigger.clientId, d.windowStartMillis(), trigger.eventId);
        alert.detector = detector;
        alert.threat = threat;
        alert.stride = threat.stride();
        alert.modelId = trigger.modelId;
        alert.clientId = trigger.clientId;
        alert.sourceIp = trigger.sourceIp;
        alert.score = d.detection().score();
        alert.riskScore = a.riskScore();
        alert.priority = a.priority();
        alert.likelihood = a.likelihood().name();
        alert.impact = a.impact().name();
        alert.eventTimeMillis = trigger.timestampMillis;
        alert.windowStartMillis = d.windowStartMillis();
        alert.windowEndMillis = d.windowEndMillis();
        alert.detectedAtMillis = clock.millis();
        alert.evidenceJson = Json.evidence(d.detection().evidence());
        return alert;
    }

    public static String alertId(String detector, String modelId, String clientId, long windowStart, String lastEventId) {
        return Hashing.sha256Hex(detector + "|" + modelId + "|" + clientId + "|" + windowStart + "|" + lastEventId).substring(0, 32);
    }
}
