package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Findings through the Flink KafkaSink onto a real (in-JVM, KRaft) broker, read back by a plain consumer. */
class KafkaFindingSinkITCase {

    private static final List<String> CONTRACT_FIELDS = List.of("finding_id", "scan_id", "row_id", "row_index",
            "detector", "threat", "kind", "stride", "score", "risk_score", "priority", "evidence");

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @Test
    void oneJsonRecordPerFindingKeyedByScanId() throws Exception {
        String topic = KAFKA.createTopic("findings", 3);
        String scanId = "scan-" + UUID.randomUUID();
        List<Finding> findings = TestFindings.scan(scanId, 25);
        Config config = Config.defaults().withAll(Map.of(
                "scan.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                "scan.sinks.kafka.topic", topic));
        SinkOptions options = SinkOptions.fromConfig(config, Map.of());
        assertThat(options.jdbcEnabled()).isFalse();
        long before = System.currentTimeMillis();

        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.BATCH, 0);
        TestPipelines.attach(env, findings, options);
        env.execute("kafka-findings");

        List<ConsumerRecord<String, String>> records = KAFKA.readAll(topic, findings.size(), Duration.ofSeconds(30));
        assertThat(records).hasSize(findings.size());
        Map<String, Finding> byId = findings.stream().collect(Collectors.toMap(f -> f.findingId, Function.identity()));
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            assertThat(r.key()).isEqualTo(scanId);
            JsonNode json = Json.read(r.value());
            List<String> fields = new ArrayList<>();
            json.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsExactlyElementsOf(CONTRACT_FIELDS);
            Finding expected = byId.get(json.get("finding_id").asText());
            assertThat(expected).as("a finding that was sent").isNotNull();
            assertThat(json).isEqualTo(Json.read(Json.finding(expected)));
            assertThat(json.get("evidence").isObject()).isTrue();
            // The producer stamps send time (no 1970 timestamps that retention would delete, G5).
            assertThat(r.timestamp()).isGreaterThanOrEqualTo(before - 1000);
            seen.add(expected.findingId);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(byId.keySet());
        assertThat(records.stream().map(ConsumerRecord::partition).distinct())
                .as("keyed by scan_id: one scan, one partition").hasSize(1);
        JsonNode datasetLevel = records.stream().map(r -> Json.read(r.value()))
                .filter(j -> j.get("kind").asText().equals("SCHEMA")).findFirst().orElseThrow();
        assertThat(datasetLevel.get("row_id").isNull()).isTrue();
        assertThat(datasetLevel.get("row_index").isNull()).isTrue();
    }
}
