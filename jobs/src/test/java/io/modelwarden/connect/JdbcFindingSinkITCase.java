package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Findings through the real migrations and the Flink JDBC sink into a real PostgreSQL. */
class JdbcFindingSinkITCase {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @Test
    void findingsLandOncePerFindingIdAndEvidenceIsJsonb() throws Exception {
        String url = PG.createDatabase();
        assertThat(Migrations.apply(url, PG.user(), PG.password())).as("every migration in conf/sql")
                .isEqualTo(PostgresExtension.migrationVersions().size());
        assertThat(Migrations.apply(url, PG.user(), PG.password())).as("re-applying is a no-op").isZero();

        String scanId = "scan-" + UUID.randomUUID();
        List<Finding> findings = TestFindings.scan(scanId, 40);
        // batch-size 7: several full batches per subtask plus a remainder flushed at end of input.
        SinkOptions options = options(url, Map.of("scan.sinks.jdbc.batch-size", "7"));

        run(findings, options, RuntimeExecutionMode.STREAMING);
        assertThat(count(url, "SELECT count(*) FROM findings")).isEqualTo(41);

        // The same scan again (now in BATCH mode): ON CONFLICT DO NOTHING adds nothing.
        run(findings, options, RuntimeExecutionMode.BATCH);
        assertThat(count(url, "SELECT count(*) FROM findings")).isEqualTo(41);
        assertThat(count(url, "SELECT count(DISTINCT finding_id) FROM findings WHERE scan_id = '" + scanId + "'"))
                .isEqualTo(41);

        try (Connection c = PG.connect(url); Statement s = c.createStatement()) {
            // evidence is jsonb: operators work on it.
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM findings"
                    + " WHERE jsonb_typeof(evidence) = 'object' AND (evidence->>'threshold')::float8 = 0.62"
                    + " AND evidence->'features'->>0 = 'f1'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(40);
            }
            // Every column equals the finding, in the JSON contract's representation.
            for (Finding f : List.of(findings.get(17), findings.get(40))) {
                try (ResultSet rs = s.executeQuery("SELECT scan_id, row_id, row_index, detector, threat, kind,"
                        + " stride, score, risk_score, priority, evidence::text FROM findings"
                        + " WHERE finding_id = '" + f.findingId + "'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo(f.scanId);
                    assertThat(rs.getString(2)).isEqualTo(f.rowId);
                    long rowIndex = rs.getLong(3);
                    assertThat(rs.wasNull() ? -1 : rowIndex).isEqualTo(f.rowIndex);
                    assertThat(rs.getString(4)).isEqualTo(f.detector);
                    assertThat(rs.getString(5)).isEqualTo(f.threat.name());
                    assertThat(rs.getString(6)).isEqualTo(f.kind.name());
                    assertThat(rs.getString(7)).isEqualTo(f.stride.name());
                    assertThat(rs.getDouble(8)).isEqualTo(f.score);
                    assertThat(rs.getInt(9)).isEqualTo(f.riskScore);
                    assertThat(rs.getString(10)).isEqualTo(f.priority.name());
                    assertThat(Json.read(rs.getString(11))).isEqualTo(Json.read(f.evidenceJson));
                }
            }
            try (ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM findings WHERE row_id IS NULL AND row_index IS NULL AND kind = 'SCHEMA'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the dataset-level finding").isEqualTo(1);
            }
        }
    }

    @Test
    void scanRunRowIsUpsertedWithItsSummary() throws Exception {
        String url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        JdbcSinkOptions jdbc = options(url, Map.of()).jdbc();
        Instant started = Instant.parse("2026-01-02T03:04:05Z");
        ScanRun first = new ScanRun("scan-1", "ab12", 1000, 3, 12, started, started.plusSeconds(9),
                "data/train.csv", "{\"findings\":4,\"by_kind\":{\"OUTLIER\":4}}");
        ScanRuns.upsert(jdbc, first);
        ScanRun rerun = new ScanRun("scan-1", "ab12", 1000, 3, 12, started.plusSeconds(60), started.plusSeconds(70),
                "data/train.csv", "{\"findings\":5,\"by_kind\":{\"OUTLIER\":4,\"SCHEMA\":1}}");
        ScanRuns.upsert(jdbc, rerun);

        assertThat(count(url, "SELECT count(*) FROM scan_runs")).isEqualTo(1);
        try (Connection c = PG.connect(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (summary->>'findings')::int, summary->'by_kind'->>'SCHEMA',"
                        + " finished_at, rows_rejected, inserted_at IS NOT NULL FROM scan_runs WHERE scan_id = 'scan-1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(5);
            assertThat(rs.getString(2)).isEqualTo("1");
            assertThat(rs.getObject(3, java.time.OffsetDateTime.class).toInstant()).isEqualTo(started.plusSeconds(70));
            assertThat(rs.getLong(4)).isEqualTo(3);
            assertThat(rs.getBoolean(5)).isTrue();
        }
    }

    /**
     * A batch the database rejects (evidence that is not JSON cannot be cast to jsonb) is retried
     * max-retries times, then the job fails: the sink never drops records silently.
     */
    @Test
    void rejectedBatchFailsTheJobAfterRetries() throws Exception {
        String url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        List<Finding> findings = new ArrayList<>(TestFindings.scan("scan-" + UUID.randomUUID(), 3));
        findings.get(1).evidenceJson = "not json";
        SinkOptions options = options(url, Map.of("scan.sinks.jdbc.max-retries", "1"));

        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.BATCH, 1);
        TestPipelines.attach(env, findings, options);
        Throwable failure = TestPipelines.failureOf(env, "jdbc-rejected", Duration.ofSeconds(90));

        assertThat(ExceptionUtils.findThrowableWithMessage(failure, "Recovery is suppressed")).isPresent();
        assertThat(ExceptionUtils.findThrowable(failure, SQLException.class))
                .hasValueSatisfying(e -> assertThat(ExceptionUtils.stringifyException(e)).contains("jsonb"));
    }

    static SinkOptions options(String url, Map<String, String> overrides) {
        Map<String, String> all = new java.util.HashMap<>(overrides);
        all.put("scan.sinks.jdbc.url", url);
        Config config = Config.defaults().withAll(all);
        return SinkOptions.fromConfig(config, Map.of(
                "WARDEN_JDBC_USER", PG.user(),
                "WARDEN_JDBC_PASSWORD", PG.password()));
    }

    private static void run(List<Finding> findings, SinkOptions options, RuntimeExecutionMode mode) throws Exception {
        StreamExecutionEnvironment env = TestPipelines.env(mode, 0);
        TestPipelines.attach(env, findings, options);
        env.execute("jdbc-findings-" + mode);
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = PG.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
