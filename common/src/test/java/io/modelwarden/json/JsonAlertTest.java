package io.modelwarden.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.model.Alert;
import io.modelwarden.model.Priority;
import io.modelwarden.model.Stride;
import io.modelwarden.model.Threat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonAlertTest {

    static final List<String> CONTRACT_FIELDS = List.of("alert_id", "detector", "threat", "stride", "model_id",
            "client_id", "source_ip", "score", "risk_score", "priority", "likelihood", "impact", "event_time", "window_start", "window_end",
            "detected_at", "evidence");

    @Test
    void rendersTheContractLineWithIsoTimesAndRawEvidence() {
        Alert a = new Alert();
        a.alertId = "a-1";
        a.detector = "rate";
        a.threat = Threat.values()[0];
        a.stride = Stride.DENIAL_OF_SERVICE;
        a.modelId = "m";
        a.clientId = "c";
        a.sourceIp = "10.0.0.1";
        a.score = 0.123456789;
        a.riskScore = 7;
        a.priority = Priority.HIGH;
        a.likelihood = "HIGH";
        a.impact = "MEDIUM";
        a.eventTimeMillis = Instant.parse("2026-11-29T08:00:00.123Z").toEpochMilli();
        a.windowStartMillis = Instant.parse("2026-11-29T07:59:00Z").toEpochMilli();
        a.windowEndMillis = a.eventTimeMillis;
        a.detectedAtMillis = Instant.parse("2026-11-29T08:00:01Z").toEpochMilli();
        a.evidenceJson = "{\"count\":250,\"limit\":200,\"keys\":[\"x\"]}";

        String line = Json.alert(a);

        assertThat(line).doesNotContain("\n");
        JsonNode json = Json.read(line);
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyElementsOf(CONTRACT_FIELDS);
        assertThat(json.get("threat").asText()).isEqualTo(a.threat.name());
        assertThat(json.get("stride").asText()).isEqualTo("DENIAL_OF_SERVICE");
        assertThat(json.get("score").asDouble()).isEqualTo(0.123457);
        assertThat(json.get("risk_score").asInt()).isEqualTo(7);
        assertThat(json.get("priority").asText()).isEqualTo("HIGH");
        assertThat(json.get("likelihood").asText()).isEqualTo("HIGH");
        assertThat(json.get("impact").asText()).isEqualTo("MEDIUM");
        assertThat(json.get("event_time").asText()).isEqualTo("2026-11-29T08:00:00.123Z");
        assertThat(json.get("window_start").asText()).isEqualTo("2026-11-29T07:59:00Z");
        assertThat(json.get("window_end").asText()).isEqualTo("2026-11-29T08:00:00.123Z");
        assertThat(json.get("detected_at").asText()).isEqualTo("2026-11-29T08:00:01Z");
        assertThat(json.get("evidence")).isEqualTo(Json.read(a.evidenceJson));
    }

    @Test
    void missingEvidenceIsAnEmptyObject() {
        Alert a = new Alert();
        a.alertId = "a-2";
        a.evidenceJson = null;
        assertThat(Json.read(Json.alert(a)).get("evidence").isObject()).isTrue();
        assertThat(Json.read(Json.alert(a)).get("evidence").size()).isZero();
    }
}
