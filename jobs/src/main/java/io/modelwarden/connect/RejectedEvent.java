package io.modelwarden.connect;

import com.fasterxml.jackson.core.JsonGenerator;
import io.modelwarden.json.InferenceEvents;
import io.modelwarden.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * A serving event the monitor could not use, written to {@code rejected.jsonl} and/or the rejected
 * topic as {@code {"reason", "detail", "raw"}}. A Flink POJO.
 */
public final class RejectedEvent {
    /** Longest raw line kept; longer lines are cut (the reason and detail still say what was wrong). */
    public static final int MAX_RAW_CHARS = 16_384;

    /** One of the stable {@link InferenceEvents} reasons ("bad json", "missing field", ...). */
    public String reason;
    /** Names the field and, where useful, the offending value. */
    public String detail;
    /** The line or record value as received, cut to {@link #MAX_RAW_CHARS}. */
    public String raw;

    public RejectedEvent() {}

    public RejectedEvent(String reason, String detail, String raw) {
        this.reason = reason;
        this.detail = detail;
        this.raw = raw != null && raw.length() > MAX_RAW_CHARS ? raw.substring(0, MAX_RAW_CHARS) : raw;
    }

    /** The rejection a failed {@link InferenceEvents#parse} returned, with its input. */
    public static RejectedEvent of(InferenceEvents.Result rejected, String raw) {
        return new RejectedEvent(rejected.reason(), rejected.detail(), raw);
    }

    /** {@code {"reason", "detail", "raw"}} on one line. */
    public String toJson() {
        StringWriter w = new StringWriter(64 + (raw == null ? 0 : raw.length() + raw.length() / 8));
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("reason", reason);
            g.writeStringField("detail", detail);
            g.writeStringField("raw", raw);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    @Override
    public String toString() {
        return "RejectedEvent{" + reason + ": " + detail + "}";
    }
}
