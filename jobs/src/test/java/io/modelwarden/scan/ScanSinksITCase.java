package io.modelwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.connect.KafkaExtension;
import io.modelwarden.connect.PostgresExtension;
import io.modelwarden.connect.TestPipelines;
import io.modelwarden.json.Json;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole scan of a Parquet dataset into real PostgreSQL (the real migrations) and a real Kafka
 * broker; running it again adds no row.
 */
class ScanSinksITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @TempDir
    Path dir;

    @Test
    void findingsAndTheRunLandInPostgresAndKafkaOnceEvenWhenRerun() throws Exception {
        Path parquet = DatasetFiles.writeParquet(
                PoisonedDataset.poisoned(5, 4_000, 8, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02)), dir.resolve("train.parquet"));
        String db = POSTGRES.createDatabase();
        String topic = KAFKA.createTopic("findings", 2);
        Config c = Config.defaults().withAll(Map.of(
                "scan.parallelism", "2",
                "scan.id-column", "id",
                "scan.sinks.jdbc.url", db,
                "scan.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                "scan.sinks.kafka.topic", topic));
        Map<String, String> env = Map.of("WARDEN_JDBC_USER", POSTGRES.user(), "WARDEN_JDBC_PASSWORD", POSTGRES.password());

        JsonNode summary = new ScanJob(ScanOptions.of(parquet.toString(), dir.resolve("out").toString(), null, c), Clock.systemUTC(), new Configuration(), env).run();
        long total = summary.get("findings").get("total").asLong();
        assertThat(total).isGreaterThan(0);
        String scanId = summary.get("scan_id").asText();

        try (Connection conn = POSTGRES.connect(db); Statement st = conn.createStatement()) {
            assertThat(count(st, "select count(*) from findings where scan_id = '" + scanId + "'")).isEqualTo(total);
            assertThat(count(st, "select count(*) from scan_runs where scan_id = '" + scanId + "' and rows_read = 4000")).isEqualTo(1);
            assertThat(count(st, "select count(*) from findings where kind = 'DUPLICATE' and (evidence->>'copies')::int >= 2")).isGreaterThan(0);
            try (ResultSet rs = st.executeQuery("select summary->'findings'->>'total' from scan_runs")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(total);
            }
        }
        List<ConsumerRecord<String, String>> records = KAFKA.readAll(topic, (int) total, Duration.ofSeconds(30));
        assertThat(records).hasSize((int) total);
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            ids.add(Json.read(r.value()).get("finding_id").asText());
        }
        List<String> fileIds = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out/findings.jsonl"))) {
            fileIds.add(Json.read(line).get("finding_id").asText());
        }
        assertThat(ids).containsExactlyInAnyOrderElementsOf(fileIds);

        // The same scan again: same scan id, same finding ids, no new rows.
        new ScanJob(ScanOptions.of(parquet.toString(), dir.resolve("out2").toString(), null, c), Clock.systemUTC(), new Configuration(), env).run();
        try (Connection conn = POSTGRES.connect(db); Statement st = conn.createStatement()) {
            assertThat(count(st, "select count(*) from findings")).isEqualTo(total);
            assertThat(count(st, "select count(*) from scan_runs")).isEqualTo(1);
        }
    }

    /**
     * A dataset-level finding made at the end of the scoring job by the parallelism-1 duplicate-rate
     * operator (copies where the trusted baseline had none) reaches both sinks like every other.
     */
    @Test
    void theDuplicateRateFindingAgainstABaselineLandsInPostgresAndKafka() throws Exception {
        Path trusted = DatasetFiles.writeCsv(PoisonedDataset.clean(5, 4_000, 8), dir.resolve("trusted.csv"));
        Config plain = Config.defaults().withAll(Map.of("scan.parallelism", "2", "scan.id-column", "id"));
        new ScanJob(ScanOptions.of(trusted.toString(), dir.resolve("trusted").toString(), null, plain), Clock.systemUTC(), new Configuration()).run();

        Path copies = DatasetFiles.writeCsv(PoisonedDataset.poisoned(5, 4_000, 8, new PoisonedDataset.Rates(0, 0, 0.02, 0)).resampled(3),
                dir.resolve("copies.csv"));
        String db = POSTGRES.createDatabase();
        String topic = KAFKA.createTopic("findings-rate", 2);
        Config c = plain.withAll(Map.of(
                "scan.sinks.jdbc.url", db,
                "scan.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                "scan.sinks.kafka.topic", topic));
        Map<String, String> env = Map.of("WARDEN_JDBC_USER", POSTGRES.user(), "WARDEN_JDBC_PASSWORD", POSTGRES.password());
        JsonNode summary = new ScanJob(ScanOptions.of(copies.toString(), dir.resolve("copies-out").toString(),
                dir.resolve("trusted/baseline").toString(), c), Clock.systemUTC(), new Configuration(), env).run();
        long total = summary.get("findings").get("total").asLong();
        assertThat(summary.get("findings").get("by_detector").get("duplicate_rate").asLong()).isEqualTo(1);

        try (Connection conn = POSTGRES.connect(db); Statement st = conn.createStatement()) {
            assertThat(count(st, "select count(*) from findings")).isEqualTo(total);
            assertThat(count(st, "select count(*) from findings where detector = 'duplicate_rate' and kind = 'DUPLICATE' and row_id is null"
                    + " and (evidence->>'excess_share')::float8 > 0.001")).isEqualTo(1);
        }
        List<ConsumerRecord<String, String>> records = KAFKA.readAll(topic, (int) total, Duration.ofSeconds(30));
        assertThat(records).hasSize((int) total);
        assertThat(records.stream().filter(r -> Json.read(r.value()).get("detector").asText().equals("duplicate_rate")).count()).isEqualTo(1);
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
