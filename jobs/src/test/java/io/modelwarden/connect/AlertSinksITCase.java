package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.json.InferenceEvents;
import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monitor alerts through every sink at once, on a real PostgreSQL (the real migrations), a real
 * in-JVM Kafka broker and a MiniCluster: alerts.jsonl, the {@code alerts} table (upsert on
 * {@code alert_id}) and the alerts topic (keyed by {@code client_id}); and rejected events to
 * rejected.jsonl and the rejected topic.
 */
class AlertSinksITCase {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @TempDir
    Path dir;

    @Test
    void alertsLandOnceInPostgresAreQueryableAndAreKeyedByClientOnKafka() throws Exception {
        String url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        String topic = KAFKA.createTopic("alerts", 3);
        String run = "run-" + UUID.randomUUID().toString().substring(0, 8);
        List<Alert> alerts = TestAlerts.alerts(run, 60, 6);
        MonitorSinkOptions options = MonitorSinkOptions.fromConfig(Config.defaults().withAll(Map.of(
                        "monitor.sinks.file.dir", dir.toString(),
                        "monitor.sinks.jdbc.url", url,
                        // batch-size 7: full batches per subtask plus a remainder flushed at end of input.
                        "monitor.sinks.jdbc.batch-size", "7",
                        "monitor.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                        "monitor.sinks.kafka.topic", topic)),
                Map.of("WARDEN_JDBC_USER", PG.user(), "WARDEN_JDBC_PASSWORD", PG.password()));
        assertThat(options.rejectedTopicEnabled()).isFalse();

        // The same alerts twice (a replay, or a restart from an older checkpoint): same ids.
        run(alerts, options);
        assertThat(count(url, "SELECT count(*) FROM alerts")).isEqualTo(60);
        run(alerts, options);

        // PostgreSQL: once per alert_id, every column as the contract says.
        assertThat(count(url, "SELECT count(*) FROM alerts")).isEqualTo(60);
        assertThat(count(url, "SELECT count(DISTINCT alert_id) FROM alerts WHERE alert_id LIKE '" + run + ":%'"))
                .isEqualTo(60);
        assertThat(count(url, "SELECT count(*) FROM alerts WHERE (evidence->>'x')::int >= 50"
                + " AND evidence->>'threshold' = '200' AND jsonb_typeof(evidence->'window') = 'array'"))
                .as("evidence is jsonb").isEqualTo(10);
        assertThat(count(url, "SELECT count(*) FROM alerts WHERE event_time = '2026-11-29 09:00:00.123+01'"))
                .as("event_time is a timestamptz instant (08:00:00.123Z)").isEqualTo(1);
        assertThat(count(url, "SELECT count(*) FROM alerts WHERE event_time >= '2026-11-29T08:30:00Z'"
                + " AND event_time < '2026-11-29T08:40:00Z' AND detected_at - event_time = interval '1.5 seconds'"
                + " AND window_end = event_time AND window_start = event_time - interval '1 minute'"))
                .isEqualTo(10);
        Map<String, Alert> byId = alerts.stream().collect(Collectors.toMap(a -> a.alertId, Function.identity()));
        try (Connection c = PG.connect(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT alert_id, detector, threat, stride, model_id, client_id,"
                        + " source_ip, score, risk_score, priority, event_time, window_start, window_end, detected_at,"
                        + " evidence::text, likelihood, impact FROM alerts")) {
            int rows = 0;
            while (rs.next()) {
                Alert a = byId.get(rs.getString(1));
                assertThat(a).isNotNull();
                assertThat(rs.getString(2)).isEqualTo(a.detector);
                assertThat(rs.getString(3)).isEqualTo(a.threat.name());
                assertThat(rs.getString(4)).isEqualTo(a.stride.name());
                assertThat(rs.getString(5)).isEqualTo(a.modelId);
                assertThat(rs.getString(6)).isEqualTo(a.clientId);
                assertThat(rs.getString(7)).isEqualTo(a.sourceIp);
                assertThat(rs.getDouble(8)).isEqualTo(a.score);
                assertThat(rs.getInt(9)).isEqualTo(a.riskScore);
                assertThat(rs.getString(10)).isEqualTo(a.priority.name());
                assertThat(millis(rs, 11)).isEqualTo(a.eventTimeMillis);
                assertThat(millis(rs, 12)).isEqualTo(a.windowStartMillis);
                assertThat(millis(rs, 13)).isEqualTo(a.windowEndMillis);
                assertThat(millis(rs, 14)).isEqualTo(a.detectedAtMillis);
                assertThat(Json.read(rs.getString(15))).isEqualTo(Json.read(a.evidenceJson));
                assertThat(rs.getString(16)).isEqualTo(a.likelihood);
                assertThat(rs.getString(17)).isEqualTo(a.impact);
                rows++;
            }
            assertThat(rows).isEqualTo(60);
        }

        // Kafka: at-least-once, so both runs' records are there (consumers dedupe on alert_id); each is
        // the contract line, keyed by client_id, and a client's alerts share one partition.
        List<ConsumerRecord<String, String>> records = KAFKA.readAll(topic, 120, Duration.ofSeconds(30));
        assertThat(records).hasSize(120);
        Map<String, Integer> copies = new HashMap<>();
        Map<String, Set<Integer>> partitionsByClient = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode json = Json.read(r.value());
            Alert a = byId.get(json.get("alert_id").asText());
            assertThat(a).as("an alert that was sent").isNotNull();
            assertThat(r.key()).isEqualTo(a.clientId);
            assertThat(json).isEqualTo(Json.read(Json.alert(a)));
            copies.merge(a.alertId, 1, Integer::sum);
            partitionsByClient.computeIfAbsent(r.key(), k -> new HashSet<>()).add(r.partition());
        }
        assertThat(copies).hasSize(60).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(2));
        assertThat(partitionsByClient).hasSize(6).allSatisfy((client, partitions) -> assertThat(partitions).hasSize(1));
        assertThat(records.stream().map(ConsumerRecord::partition).distinct().count())
                .as("six clients spread over the partitions").isGreaterThan(1);

        // alerts.jsonl: the last run's alerts, one contract line each.
        List<String> lines = Files.readAllLines(dir.resolve(MonitorSinkOptions.ALERTS_FILE));
        assertThat(lines).containsExactlyInAnyOrderElementsOf(alerts.stream().map(Json::alert).toList());
    }

    @Test
    void rejectedEventsGoToTheFileAndTheRejectedTopic() throws Exception {
        String alertsTopic = KAFKA.createTopic("alerts", 1);
        String rejectedTopic = KAFKA.createTopic("rejected", 2);
        MonitorSinkOptions options = MonitorSinkOptions.fromConfig(Config.defaults().withAll(Map.of(
                        "monitor.sinks.file.dir", dir.toString(),
                        "monitor.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                        "monitor.sinks.kafka.topic", alertsTopic,
                        "monitor.sinks.kafka.rejected-topic", rejectedTopic)),
                Map.of());
        List<String> raw = List.of(
                "{\"event_id\": \"e-1\"",
                "{\"event_id\":\"e-2\",\"timestamp\":\"soon\",\"model_id\":\"m\",\"client_id\":\"c\","
                        + "\"source_ip\":\"1.2.3.4\",\"features\":[1]}",
                "{\"event_id\":\"e-3\",\"timestamp\":1,\"model_id\":\"m\",\"client_id\":\"c\","
                        + "\"source_ip\":\"1.2.3.4\",\"features\":[1, NaN]}",
                "x".repeat(RejectedEvent.MAX_RAW_CHARS + 10));
        RejectedEvent[] rejected = raw.stream()
                .map(line -> RejectedEvent.of(InferenceEvents.parse(line, InferenceEvents.ANY_FEATURE_COUNT), line))
                .toArray(RejectedEvent[]::new);

        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.STREAMING, 0);
        DataStream<RejectedEvent> stream = env.fromData(RejectedEvent.class, rejected).rebalance();
        assertThat(RejectedEventSinks.attach(stream, options)).hasSize(2);
        env.execute("rejected-events");

        List<String> expected = java.util.Arrays.stream(rejected).map(RejectedEvent::toJson).toList();
        assertThat(Files.readAllLines(dir.resolve(MonitorSinkOptions.REJECTED_FILE)))
                .containsExactlyInAnyOrderElementsOf(expected);
        List<ConsumerRecord<String, String>> records = KAFKA.readAll(rejectedTopic, 4, Duration.ofSeconds(30));
        assertThat(records.stream().map(ConsumerRecord::value).toList()).containsExactlyInAnyOrderElementsOf(expected);
        Map<String, JsonNode> byRaw = records.stream().map(r -> Json.read(r.value()))
                .collect(Collectors.toMap(j -> j.get("raw").asText().substring(0, 16), Function.identity()));
        assertThat(byRaw.get(raw.get(1).substring(0, 16)).get("reason").asText()).isEqualTo(InferenceEvents.BAD_TIMESTAMP);
        assertThat(byRaw.get(raw.get(1).substring(0, 16)).get("detail").asText()).contains("timestamp", "soon");
        assertThat(byRaw.get(raw.get(2).substring(0, 16)).get("reason").asText()).isEqualTo(InferenceEvents.NON_FINITE_FEATURE);
        assertThat(byRaw.get(raw.get(0).substring(0, 16)).get("reason").asText()).isEqualTo(InferenceEvents.BAD_JSON);
        assertThat(byRaw.get(raw.get(3).substring(0, 16)).get("raw").asText()).hasSize(RejectedEvent.MAX_RAW_CHARS);
        assertThat(KAFKA.readAll(alertsTopic, 0, Duration.ofMillis(1))).as("no alerts were sent").isEmpty();
    }

    private static void run(List<Alert> alerts, MonitorSinkOptions options) throws Exception {
        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.STREAMING, 0);
        DataStream<Alert> stream = env.fromData(Alert.class, alerts.toArray(new Alert[0])).rebalance();
        assertThat(AlertSinks.attach(stream, options)).hasSize(3);
        env.execute("alert-sinks");
    }

    private static long millis(ResultSet rs, int column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant().toEpochMilli();
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = PG.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
