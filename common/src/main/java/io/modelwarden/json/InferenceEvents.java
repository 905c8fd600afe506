package io.modelwarden.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.modelwarden.model.InferenceEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * The codec of one serving log line ({@link InferenceEvent}):
 *
 * <pre>{@code
 * {"event_id": "e-1", "timestamp": "2026-11-29T08:00:00.123Z" (or epoch millis), "model_id": "m",
 *  "client_id": "c", "source_ip": "10.0.0.1", "features": [0.1, 2.5],
 *  "prediction": {"label": "1", "confidence": 0.93, "probabilities": [0.07, 0.93]},
 *  "explanation_requested": false}
 * }</pre>
 *
 * <p>{@link #parse} runs on every event, so it reads with Jackson's streaming {@link JsonParser} (no
 * tree, no data binding) and the fast double parser (STACK.md G10). It never throws on bad input: it
 * returns a {@link Result} that is either an event or a rejection with a stable reason (one of the
 * constants below, used as counter and report categories) and a detail naming the field.
 *
 * <p>Reasons:
 *
 * <ul>
 *   <li>{@value #BAD_JSON}: not parseable, not one object, content after the object, or a field of the
 *       wrong JSON type (e.g. {@code "model_id": {}}, {@code "explanation_requested": "yes"}).
 *   <li>{@value #MISSING_FIELD}: one of {@code event_id, timestamp, model_id, client_id, source_ip,
 *       features} is absent, null or an empty string. Ids may be JSON strings or integers (kept as text).
 *   <li>{@value #BAD_TIMESTAMP}: neither an ISO-8601 instant (with {@code Z} or an offset) nor integral
 *       epoch milliseconds (a number, or a string of digits).
 *   <li>{@value #WRONG_FEATURE_COUNT}: no features, or not the count the model expects.
 *   <li>{@value #NON_FINITE_FEATURE}: a feature is null, NaN or infinite (as a literal, an overflowing
 *       number such as {@code 1e999}, or the strings {@code "NaN"}, {@code "Infinity"}).
 *   <li>{@value #BAD_PREDICTION}: {@code prediction} is not an object, has no {@code label}, or its
 *       confidence or a probability is not a number in [0, 1].
 * </ul>
 *
 * <p>Unknown fields are skipped (producers may add fields). {@code prediction} and
 * {@code explanation_requested} are optional; a label may be a JSON number or string and is kept as
 * text as written ({@code 1} and {@code "1"} both give {@code "1"}). Without a confidence but with
 * probabilities, the confidence is the largest probability. The probabilities' sum is not checked
 * (rounded softmax outputs rarely sum to exactly 1).
 *
 * <p>Thread-safe; {@link #write} renders the same JSON (generators and tests), so that
 * {@code parse(write(e))} equals {@code e}.
 */
public final class InferenceEvents {
    public static final String BAD_JSON = "bad json";
    public static final String MISSING_FIELD = "missing field";
    public static final String BAD_TIMESTAMP = "bad timestamp";
    public static final String WRONG_FEATURE_COUNT = "wrong feature count";
    public static final String NON_FINITE_FEATURE = "non-finite feature";
    public static final String BAD_PREDICTION = "bad prediction";

    /** {@code expectedFeatures} value meaning "any positive count". */
    public static final int ANY_FEATURE_COUNT = -1;

    static final String EVENT_ID = "event_id";
    static final String TIMESTAMP = "timestamp";
    static final String MODEL_ID = "model_id";
    static final String CLIENT_ID = "client_id";
    static final String SOURCE_IP = "source_ip";
    static final String FEATURES = "features";
    static final String PREDICTION = "prediction";
    static final String LABEL = "label";
    static final String CONFIDENCE = "confidence";
    static final String PROBABILITIES = "probabilities";
    static final String EXPLANATION_REQUESTED = "explanation_requested";

    /** Longest value quoted in a detail. */
    private static final int MAX_QUOTED = 40;

    /**
     * Fast double parsing (G10); NaN/Infinity literals are read so that they are rejected as
     * non-finite features rather than as bad JSON; NaN written as a literal by {@link #write}.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    private InferenceEvents() {}

    /** Either an event or a rejection (reason + detail). */
    public static final class Result {
        private final InferenceEvent event;
        private final String reason;
        private final String detail;

        private Result(InferenceEvent event, String reason, String detail) {
            this.event = event;
            this.reason = reason;
            this.detail = detail;
        }

        public boolean isEvent() {
            return event != null;
        }

        /** The event; throws on a rejection. */
        public InferenceEvent event() {
            if (event == null) {
                throw new IllegalStateException("rejected (" + reason + "): " + detail);
            }
            return event;
        }

        /** One of the reason constants ({@link #BAD_JSON}, ...); null for an event. */
        public String reason() {
            return reason;
        }

        /** Names the field and, where useful, the offending value; null for an event. */
        public String detail() {
            return detail;
        }

        @Override
        public String toString() {
            return event != null ? "Result[event " + event.eventId + "]" : "Result[" + reason + ": " + detail + "]";
        }
    }

    /** Thrown inside the parser to leave it with a rejection; no stack trace (it is a control flow). */
    private static final class Rejection extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;

        Rejection(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    /**
     * Parses one line.
     *
     * @param expectedFeatures the model's feature count, or {@link #ANY_FEATURE_COUNT} (-1) if unknown
     */
    public static Result parse(String line, int expectedFeatures) {
        if (line == null || line.isBlank()) {
            return new Result(null, BAD_JSON, "empty line");
        }
        try (JsonParser p = FACTORY.createParser(line)) {
            return new Result(read(p, expectedFeatures), null, null);
        } catch (Rejection r) {
            return new Result(null, r.reason, r.getMessage());
        } catch (JsonProcessingException e) {
            return new Result(null, BAD_JSON, firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            // A String source does no I/O; kept as a rejection rather than a job failure all the same.
            return new Result(null, BAD_JSON, firstLine(e.getMessage()));
        }
    }

    private static InferenceEvent read(JsonParser p, int expected) throws IOException, Rejection {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new Rejection(BAD_JSON, "not a JSON object");
        }
        InferenceEvent e = new InferenceEvent();
        boolean hasTimestamp = false;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (field) {
                case EVENT_ID -> e.eventId = id(p, t, EVENT_ID);
                case MODEL_ID -> e.modelId = id(p, t, MODEL_ID);
                case CLIENT_ID -> e.clientId = id(p, t, CLIENT_ID);
                case SOURCE_IP -> e.sourceIp = id(p, t, SOURCE_IP);
                case TIMESTAMP -> {
                    e.timestampMillis = timestamp(p, t);
                    hasTimestamp = true;
                }
                case FEATURES -> e.features = features(p, t);
                case PREDICTION -> prediction(p, t, e);
                case EXPLANATION_REQUESTED -> e.explanationRequested = flag(t);
                default -> p.skipChildren();
            }
        }
        if (p.nextToken() != null) {
            throw new Rejection(BAD_JSON, "content after the object");
        }
        require(e.eventId, EVENT_ID);
        if (!hasTimestamp) {
            throw new Rejection(MISSING_FIELD, TIMESTAMP);
        }
        require(e.modelId, MODEL_ID);
        require(e.clientId, CLIENT_ID);
        require(e.sourceIp, SOURCE_IP);
        if (e.features == null) {
            throw new Rejection(MISSING_FIELD, FEATURES);
        }
        if (e.features.length == 0) {
            throw new Rejection(WRONG_FEATURE_COUNT, "features is empty");
        }
        if (expected >= 0 && e.features.length != expected) {
            throw new Rejection(WRONG_FEATURE_COUNT,
                    "features has " + e.features.length + " values, the model expects " + expected);
        }
        if (Double.isNaN(e.confidence) && e.probabilities != null) {
            e.confidence = max(e.probabilities);
        }
        return e;
    }

    private static void require(String value, String field) throws Rejection {
        if (value == null) {
            throw new Rejection(MISSING_FIELD, field);
        }
    }

    /** A non-empty string or an integer, as text; null (then "missing") for null or "". */
    private static String id(JsonParser p, JsonToken t, String field) throws IOException, Rejection {
        if (t == JsonToken.VALUE_STRING) {
            String s = p.getText();
            return s.isEmpty() ? null : s;
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new Rejection(BAD_JSON, field + " must be a string, was " + describe(t));
    }

    private static long timestamp(JsonParser p, JsonToken t) throws IOException, Rejection {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
                throw new Rejection(BAD_TIMESTAMP, "timestamp out of range: " + quote(p.getText()));
            }
            return p.getLongValue();
        }
        if (t == JsonToken.VALUE_STRING) {
            String s = p.getText().trim();
            if (s.isEmpty()) {
                throw new Rejection(MISSING_FIELD, TIMESTAMP);
            }
            if (isDigits(s)) {
                try {
                    return Long.parseLong(s);
                } catch (NumberFormatException ex) {
                    throw new Rejection(BAD_TIMESTAMP, "timestamp out of range: " + quote(s));
                }
            }
            long fast = utcMillis(s);
            if (fast != NOT_SIMPLE) {
                return fast;
            }
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException ex) {
                throw new Rejection(BAD_TIMESTAMP, "timestamp is not ISO-8601 or epoch millis: " + quote(s));
            }
        }
        if (t == JsonToken.VALUE_NULL) {
            throw new Rejection(MISSING_FIELD, TIMESTAMP);
        }
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            throw new Rejection(BAD_TIMESTAMP, "timestamp must be integral epoch millis: " + quote(p.getText()));
        }
        throw new Rejection(BAD_TIMESTAMP, "timestamp must be a string or a number, was " + describe(t));
    }

    /** {@link #utcMillis}'s answer for a string it leaves to {@link Instant#parse}. */
    static final long NOT_SIMPLE = Long.MIN_VALUE;

    /**
     * Epoch millis of the common form {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} (what serving logs and
     * {@link #write} produce), without {@code Instant.parse}'s formatter machinery (it was 4% of the
     * monitor's time); the same value {@code Instant.parse(s).toEpochMilli()} gives. Anything else
     * (offsets, leap seconds, other lengths, an invalid date) returns {@link #NOT_SIMPLE}, and the
     * caller falls back to {@code Instant.parse} with its validation and messages.
     */
    static long utcMillis(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return NOT_SIMPLE;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
                || day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return NOT_SIMPLE;
        }
        int millis = 0;
        if (n > 20) {
            int fraction = n - 21; // digits between '.' and 'Z'
            if (s.charAt(19) != '.' || fraction < 1 || fraction > 9 || digits(s, 20, fraction) < 0) {
                return NOT_SIMPLE;
            }
            millis = digits(s, 20, Math.min(3, fraction));
            for (int i = fraction; i < 3; i++) {
                millis *= 10;
            }
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    /** The non-negative number written by {@code len} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static double[] features(JsonParser p, JsonToken t) throws IOException, Rejection {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            throw new Rejection(BAD_JSON, "features must be an array, was " + describe(t));
        }
        double[] values = new double[16];
        int n = 0;
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
            double x = number(p, v, FEATURES, n, NON_FINITE_FEATURE);
            if (!Double.isFinite(x)) {
                throw new Rejection(NON_FINITE_FEATURE, "features[" + n + "] is " + quote(p.getText()));
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = x;
        }
        return n == values.length ? values : Arrays.copyOf(values, n);
    }

    /**
     * A JSON number (NaN/Infinity literals and overflow included, as non-finite doubles); the strings
     * "NaN", "Infinity", "-Infinity" and null as NaN-like (rejected with {@code nonFinite}); any other
     * type is bad JSON.
     */
    private static double number(JsonParser p, JsonToken v, String field, int index, String nonFinite)
            throws IOException, Rejection {
        if (v == JsonToken.VALUE_NUMBER_FLOAT || v == JsonToken.VALUE_NUMBER_INT) {
            return p.getDoubleValue();
        }
        if (v == JsonToken.VALUE_NULL) {
            throw new Rejection(nonFinite, field + "[" + index + "] is null");
        }
        if (v == JsonToken.VALUE_STRING) {
            String s = p.getText();
            if (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity") || s.equals("+Infinity")) {
                throw new Rejection(nonFinite, field + "[" + index + "] is " + quote(s));
            }
        }
        if (v == null) {
            throw new Rejection(BAD_JSON, field + " is not closed");
        }
        throw new Rejection(BAD_JSON, field + "[" + index + "] must be a number, was " + describe(v)
                + (v == JsonToken.VALUE_STRING ? " " + quote(p.getText()) : ""));
    }

    private static void prediction(JsonParser p, JsonToken t, InferenceEvent e) throws IOException, Rejection {
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new Rejection(BAD_PREDICTION, "prediction must be an object, was " + describe(t));
        }
        String label = null;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (field) {
                case LABEL -> {
                    if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                        label = p.getText();
                    } else if (v != JsonToken.VALUE_NULL) {
                        throw new Rejection(BAD_PREDICTION, "prediction.label must be a string or a number, was " + describe(v));
                    }
                }
                case CONFIDENCE -> {
                    if (v == JsonToken.VALUE_NULL) {
                        e.confidence = Double.NaN;
                        break;
                    }
                    if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
                        throw new Rejection(BAD_PREDICTION, "prediction.confidence must be a number, was " + describe(v));
                    }
                    double c = p.getDoubleValue();
                    if (!(c >= 0 && c <= 1)) {
                        throw new Rejection(BAD_PREDICTION, "prediction.confidence not in [0, 1]: " + quote(p.getText()));
                    }
                    e.confidence = c;
                }
                case PROBABILITIES -> e.probabilities = probabilities(p, v);
                default -> p.skipChildren();
            }
        }
        if (label == null || label.isEmpty()) {
            throw new Rejection(BAD_PREDICTION, "prediction.label is missing");
        }
        e.predictedLabel = label;
    }

    private static double[] probabilities(JsonParser p, JsonToken t) throws IOException, Rejection {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            throw new Rejection(BAD_PREDICTION, "prediction.probabilities must be an array, was " + describe(t));
        }
        double[] values = new double[4];
        int n = 0;
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
            if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
                throw new Rejection(BAD_PREDICTION, "prediction.probabilities[" + n + "] must be a number, was " + describe(v));
            }
            double x = p.getDoubleValue();
            if (!(x >= 0 && x <= 1)) {
                throw new Rejection(BAD_PREDICTION, "prediction.probabilities[" + n + "] not in [0, 1]: " + quote(p.getText()));
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = x;
        }
        if (n == 0) {
            throw new Rejection(BAD_PREDICTION, "prediction.probabilities is empty");
        }
        return n == values.length ? values : Arrays.copyOf(values, n);
    }

    private static boolean flag(JsonToken t) throws Rejection {
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE || t == JsonToken.VALUE_NULL) {
            return false;
        }
        throw new Rejection(BAD_JSON, "explanation_requested must be true or false, was " + describe(t));
    }

    /** Renders an event as one line of the same JSON (timestamp as an ISO-8601 UTC string). */
    public static String write(InferenceEvent e) {
        StringWriter w = new StringWriter(64 + (e.features == null ? 0 : e.features.length * 20));
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField(EVENT_ID, e.eventId);
            g.writeStringField(TIMESTAMP, Instant.ofEpochMilli(e.timestampMillis).toString());
            g.writeStringField(MODEL_ID, e.modelId);
            g.writeStringField(CLIENT_ID, e.clientId);
            g.writeStringField(SOURCE_IP, e.sourceIp);
            g.writeFieldName(FEATURES);
            writeArray(g, e.features);
            if (e.hasPrediction()) {
                g.writeObjectFieldStart(PREDICTION);
                g.writeStringField(LABEL, e.predictedLabel);
                if (!Double.isNaN(e.confidence)) {
                    g.writeNumberField(CONFIDENCE, e.confidence);
                }
                if (e.probabilities != null) {
                    g.writeFieldName(PROBABILITIES);
                    writeArray(g, e.probabilities);
                }
                g.writeEndObject();
            }
            g.writeBooleanField(EXPLANATION_REQUESTED, e.explanationRequested);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return w.toString();
    }

    private static void writeArray(JsonGenerator g, double[] values) throws IOException {
        if (values == null) {
            g.writeNull();
            return;
        }
        g.writeArray(values, 0, values.length);
    }

    private static double max(double[] values) {
        double m = Double.NaN;
        for (double v : values) {
            if (Double.isNaN(m) || v > m) {
                m = v;
            }
        }
        return m;
    }

    private static boolean isDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    private static String quote(String s) {
        String v = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
        return "'" + v + "'";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unparseable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
