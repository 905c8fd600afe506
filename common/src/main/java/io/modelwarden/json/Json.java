package io.modelwarden.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.model.Alert;
import io.modelwarden.model.Finding;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/** JSON codecs of the output contract. One shared, thread-safe mapper. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {}

    /** Renders evidence (plain values, lists and maps) as a compact JSON object. */
    public static String evidence(Map<String, Object> evidence) {
        try {
            return MAPPER.writeValueAsString(evidence);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("evidence is not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    /** Any value as compact JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * One finding as a single JSON line of the contract: {@code {"finding_id", "scan_id", "row_id",
     * "row_index", "detector", "threat", "kind", "stride", "score", "risk_score", "priority",
     * "evidence"}}.
     */
    public static String finding(Finding f) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("finding_id", f.findingId);
            g.writeStringField("scan_id", f.scanId);
            if (f.isDatasetLevel()) {
                g.writeNullField("row_id");
                g.writeNullField("row_index");
            } else {
                g.writeStringField("row_id", f.rowId);
                g.writeNumberField("row_index", f.rowIndex);
            }
            g.writeStringField("detector", f.detector);
            g.writeStringField("threat", f.threat.name());
            g.writeStringField("kind", f.kind.name());
            g.writeStringField("stride", f.stride.name());
            g.writeNumberField("score", round(f.score, 6));
            g.writeNumberField("risk_score", f.riskScore);
            g.writeStringField("priority", f.priority.name());
            g.writeFieldName("evidence");
            g.writeRawValue(f.evidenceJson == null || f.evidenceJson.isEmpty() ? "{}" : f.evidenceJson);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * One alert as a single JSON line of the monitor's contract: {@code {"alert_id", "detector",
     * "threat", "stride", "model_id", "client_id", "source_ip", "score", "risk_score", "priority",
     * "likelihood", "impact",     * "event_time", "window_start", "window_end", "detected_at", "evidence"}}; the four times are
     * ISO-8601 UTC strings ({@code 2026-11-29T08:00:00.123Z}), {@code evidence} the raw JSON object.
     */
    public static String alert(Alert a) {
        StringWriter w = new StringWriter(384);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("alert_id", a.alertId);
            g.writeStringField("detector", a.detector);
            g.writeStringField("threat", a.threat == null ? null : a.threat.name());
            g.writeStringField("stride", a.stride == null ? null : a.stride.name());
            g.writeStringField("model_id", a.modelId);
            g.writeStringField("client_id", a.clientId);
            g.writeStringField("source_ip", a.sourceIp);
            g.writeNumberField("score", round(a.score, 6));
            g.writeNumberField("risk_score", a.riskScore);
            g.writeStringField("priority", a.priority == null ? null : a.priority.name());
            g.writeStringField("likelihood", a.likelihood);
            g.writeStringField("impact", a.impact);
            g.writeStringField("event_time", isoTime(a.eventTimeMillis));
            g.writeStringField("window_start", isoTime(a.windowStartMillis));
            g.writeStringField("window_end", isoTime(a.windowEndMillis));
            g.writeStringField("detected_at", isoTime(a.detectedAtMillis));
            g.writeFieldName("evidence");
            g.writeRawValue(a.evidenceJson == null || a.evidenceJson.isBlank() ? "{}" : a.evidenceJson);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** Epoch millis as an ISO-8601 UTC instant ({@code 2026-11-29T08:00:00.123Z}). */
    public static String isoTime(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** Parses a findings.jsonl line back (tests, report). */
    public static ObjectNode parseObject(String line) {
        JsonNode n = read(line);
        if (!(n instanceof ObjectNode o)) {
            throw new IllegalArgumentException("not a JSON object: " + line);
        }
        return o;
    }

    /** A copy of a JSON tree with every floating-point number rounded (readable parameter dumps). */
    public static JsonNode rounded(JsonNode node, int digits) {
        if (node.isFloatingPointNumber()) {
            return MAPPER.getNodeFactory().numberNode(round(node.doubleValue(), digits));
        }
        if (node.isObject()) {
            ObjectNode out = MAPPER.createObjectNode();
            node.fields().forEachRemaining(e -> out.set(e.getKey(), rounded(e.getValue(), digits)));
            return out;
        }
        if (node.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = MAPPER.createArrayNode();
            node.forEach(n -> out.add(rounded(n, digits)));
            return out;
        }
        return node;
    }

    /** Rounds for output so that files stay readable and stable across platforms. */
    public static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
