package io.modelwarden.json;

import static io.modelwarden.json.InferenceEvents.ANY_FEATURE_COUNT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.model.InferenceEvent;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InferenceEventsTest {

    static final String FULL = "{\"event_id\": \"e-1\", \"timestamp\": \"2026-11-29T08:00:00.123Z\","
            + " \"model_id\": \"m-1\", \"client_id\": \"c-7\", \"source_ip\": \"10.0.0.7\","
            + " \"features\": [0.5, -1.25, 3, 1e-3],"
            + " \"prediction\": {\"label\": \"1\", \"confidence\": 0.93, \"probabilities\": [0.07, 0.93]},"
            + " \"explanation_requested\": true}";

    static final long T = Instant.parse("2026-11-29T08:00:00.123Z").toEpochMilli();

    @Test
    void parsesEveryField() {
        InferenceEvent e = InferenceEvents.parse(FULL, 4).event();

        assertThat(e.eventId).isEqualTo("e-1");
        assertThat(e.timestampMillis).isEqualTo(T);
        assertThat(e.modelId).isEqualTo("m-1");
        assertThat(e.clientId).isEqualTo("c-7");
        assertThat(e.sourceIp).isEqualTo("10.0.0.7");
        assertThat(e.features).containsExactly(0.5, -1.25, 3.0, 0.001);
        assertThat(e.predictedLabel).isEqualTo("1");
        assertThat(e.confidence).isEqualTo(0.93);
        assertThat(e.probabilities).containsExactly(0.07, 0.93);
        assertThat(e.explanationRequested).isTrue();
    }

    @Test
    void optionalPartsMayBeAbsentAndTimestampMayBeEpochMillis() {
        InferenceEvent e = InferenceEvents.parse("{\"event_id\":\"e\",\"timestamp\":" + T
                + ",\"model_id\":\"m\",\"client_id\":\"c\",\"source_ip\":\"::1\",\"features\":[1]}", ANY_FEATURE_COUNT).event();

        assertThat(e.timestampMillis).isEqualTo(T);
        assertThat(e.hasPrediction()).isFalse();
        assertThat(e.confidence).isNaN();
        assertThat(e.probabilities).isNull();
        assertThat(e.explanationRequested).isFalse();
    }

    @Test
    void labelMayBeANumberAndIsKeptAsWritten() {
        InferenceEvent e = parse(with("prediction", "{\"label\": 7, \"probabilities\": [0.2, 0.8]}")).event();

        assertThat(e.predictedLabel).isEqualTo("7");
        assertThat(e.confidence).as("largest probability when confidence is absent").isEqualTo(0.8);
    }

    @Test
    void theFastUtcTimestampPathAgreesWithInstantParse() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < 20_000; i++) {
            java.time.Instant t = java.time.Instant.ofEpochSecond(r.nextLong(-5_000_000_000L, 20_000_000_000L), r.nextInt(1_000_000_000));
            String iso = t.toString(); // 0, 3, 6 or 9 fraction digits
            assertThat(InferenceEvents.utcMillis(iso)).as(iso).isEqualTo(java.time.Instant.parse(iso).toEpochMilli());
            String tenths = iso.length() > 20 ? iso.substring(0, 21) + "Z" : iso;
            assertThat(InferenceEvents.utcMillis(tenths)).as(tenths).isEqualTo(java.time.Instant.parse(tenths).toEpochMilli());
        }
        for (String other : new String[] {"2026-02-29T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T08:00:00.Z", "2026-11-29T08:00:00+01:00",
                "2016-12-31T23:59:60Z", "+12026-11-29T08:00:00Z", "2026-11-29T08:00:00.1234567890Z"}) {
            assertThat(InferenceEvents.utcMillis(other)).as(other).isEqualTo(InferenceEvents.NOT_SIMPLE);
        }
    }

    @Test
    void timestampsWithOffsetsOrDigitStringsAreAccepted() {
        assertThat(parse(with("timestamp", "\"2026-11-29T09:00:00.123+01:00\"")).event().timestampMillis).isEqualTo(T);
        assertThat(parse(with("timestamp", "\"" + T + "\"")).event().timestampMillis).isEqualTo(T);
    }

    @Test
    void unknownFieldsAndNullOptionalsAreIgnored() {
        ObjectNode o = Json.parseObject(FULL);
        o.putObject("extra").putArray("deep").add(1).addObject().put("x", "y");
        o.putNull("prediction");
        o.putNull("explanation_requested");
        InferenceEvent e = parse(o.toString()).event();
        assertThat(e.hasPrediction()).isFalse();
        assertThat(e.explanationRequested).isFalse();
    }

    @Test
    void idsMayBeIntegers() {
        assertThat(parse(with("client_id", "12345")).event().clientId).isEqualTo("12345");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            not json at all                          | bad json      | Unrecognized token
            [1, 2]                                   | bad json      | not a JSON object
            {"event_id": "e"                         | bad json      | end-of-input
            '{"event_id": "e"} {"x": 1}'             | bad json      | content after the object
            ''                                       | bad json      | empty line
            """)
    void malformedJsonIsBadJson(String line, String reason, String detail) {
        InferenceEvents.Result r = InferenceEvents.parse(line, ANY_FEATURE_COUNT);
        assertThat(r.isEvent()).isFalse();
        assertThat(r.reason()).isEqualTo(reason);
        assertThat(r.detail()).contains(detail);
    }

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            model_id              | {"a": 1}                      | bad json           | model_id must be a string, was an object
            explanation_requested | "yes"                         | bad json           | explanation_requested must be true or false
            features              | "1,2,3,4"                     | bad json           | features must be an array
            features              | [1, "x", 3, 4]                | bad json           | features[1] must be a number, was a string 'x'
            event_id              | null                          | missing field      | event_id
            event_id              | ""                            | missing field      | event_id
            timestamp             | null                          | missing field      | timestamp
            client_id             | null                          | missing field      | client_id
            source_ip             | null                          | missing field      | source_ip
            features              | null                          | missing field      | features
            timestamp             | "yesterday"                   | bad timestamp      | timestamp is not ISO-8601 or epoch millis: 'yesterday'
            timestamp             | "2026-11-29 08:00:00"         | bad timestamp      | timestamp is not ISO-8601
            timestamp             | 1764403200123.5               | bad timestamp      | integral epoch millis
            timestamp             | 99999999999999999999999       | bad timestamp      | out of range
            timestamp             | true                          | bad timestamp      | was a boolean
            features              | [1, 2, 3]                     | wrong feature count | features has 3 values, the model expects 4
            features              | []                            | wrong feature count | features is empty
            features              | [1, NaN, 3, 4]                | non-finite feature | features[1] is 'NaN'
            features              | [1, 2, Infinity, 4]           | non-finite feature | features[2] is 'Infinity'
            features              | [1, 2, 3, 1e999]              | non-finite feature | features[3] is '1e999'
            features              | [null, 2, 3, 4]               | non-finite feature | features[0] is null
            features              | [1, "-Infinity", 3, 4]        | non-finite feature | features[1] is '-Infinity'
            prediction            | "1"                           | bad prediction     | prediction must be an object, was a string
            prediction            | {"confidence": 0.9}           | bad prediction     | prediction.label is missing
            prediction            | {"label": {"x": 1}}           | bad prediction     | prediction.label must be a string or a number
            prediction            | {"label": "1", "confidence": 1.5} | bad prediction | prediction.confidence not in [0, 1]: '1.5'
            prediction            | {"label": "1", "confidence": "high"} | bad prediction | prediction.confidence must be a number
            prediction            | {"label": "1", "probabilities": [0.5, -0.1]} | bad prediction | prediction.probabilities[1] not in [0, 1]
            prediction            | {"label": "1", "probabilities": [0.5, NaN]} | bad prediction | prediction.probabilities[1] not in [0, 1]
            prediction            | {"label": "1", "probabilities": 0.5} | bad prediction | prediction.probabilities must be an array
            """)
    void eachRejectionHasAStableReasonAndNamesTheField(String field, String value, String reason, String detail) {
        InferenceEvents.Result r = parse(with(field, value));
        assertThat(r.isEvent()).as(r.toString()).isFalse();
        assertThat(r.reason()).isEqualTo(reason);
        assertThat(r.detail()).contains(detail);
    }

    @ParameterizedTest
    @CsvSource({"event_id", "timestamp", "model_id", "client_id", "source_ip", "features"})
    void eachRequiredFieldIsRequired(String field) {
        ObjectNode o = Json.parseObject(FULL);
        o.remove(field);
        InferenceEvents.Result r = parse(o.toString());
        assertThat(r.reason()).isEqualTo(InferenceEvents.MISSING_FIELD);
        assertThat(r.detail()).isEqualTo(field);
    }

    @Test
    void unknownFeatureCountAcceptsAnyNonEmptyArray() {
        assertThat(InferenceEvents.parse(with("features", "[1, 2, 3]"), ANY_FEATURE_COUNT).isEvent()).isTrue();
        assertThat(InferenceEvents.parse(with("features", "[]"), ANY_FEATURE_COUNT).reason())
                .isEqualTo(InferenceEvents.WRONG_FEATURE_COUNT);
    }

    @Test
    void writeThenParseGivesTheSameEvent() {
        Random random = new Random(11);
        for (int i = 0; i < 200; i++) {
            InferenceEvent e = randomEvent(random, i);
            String line = InferenceEvents.write(e);
            assertThat(line).doesNotContain("\n");
            InferenceEvent back = InferenceEvents.parse(line, e.features.length).event();
            // Exact doubles (Double.equals: bit-equal, NaN equals NaN), not the default 1e-15 tolerance.
            assertThat(back).usingRecursiveComparison().withEqualsForType(Double::equals, Double.class).isEqualTo(e);
        }
    }

    @Test
    void parseThenWriteKeepsTheDocument() {
        JsonNode written = Json.read(InferenceEvents.write(InferenceEvents.parse(FULL, 4).event()));
        assertThat(written).isEqualTo(Json.read(FULL.replace("[0.5, -1.25, 3, 1e-3]", "[0.5, -1.25, 3.0, 0.001]")));
    }

    static InferenceEvent randomEvent(Random random, int i) {
        InferenceEvent e = new InferenceEvent();
        e.eventId = "e-" + i;
        e.timestampMillis = T + random.nextInt(1_000_000);
        e.modelId = "m-" + random.nextInt(3);
        e.clientId = "client \"" + random.nextInt(50) + "\" \u00e9";
        e.sourceIp = "10.0." + random.nextInt(256) + "." + random.nextInt(256);
        e.features = new double[1 + random.nextInt(40)];
        for (int j = 0; j < e.features.length; j++) {
            e.features[j] = random.nextGaussian() * Math.pow(10, random.nextInt(12) - 6);
        }
        if (random.nextBoolean()) {
            double p = random.nextDouble();
            e.predictedLabel = random.nextBoolean() ? "class-" + random.nextInt(3) : Integer.toString(random.nextInt(3));
            e.probabilities = random.nextBoolean() ? new double[] {p, 1 - p} : null;
            e.confidence = random.nextBoolean() || e.probabilities == null ? Math.max(p, 1 - p) : Double.NaN;
            if (Double.isNaN(e.confidence)) {
                e.confidence = Math.max(e.probabilities[0], e.probabilities[1]); // what parse derives
            }
        }
        e.explanationRequested = random.nextInt(10) == 0;
        return e;
    }

    private static InferenceEvents.Result parse(String line) {
        return InferenceEvents.parse(line, 4);
    }

    /** FULL with one field's raw JSON value replaced. */
    private static String with(String field, String rawValue) {
        ObjectNode o = Json.parseObject(FULL);
        o.put(field, "@@");
        return o.toString().replace("\"@@\"", rawValue);
    }
}
