package io.modelwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.connect.JdbcSinkOptions;
import io.modelwarden.connect.LogCapture;
import io.modelwarden.connect.Migrations;
import io.modelwarden.connect.PostgresExtension;
import io.modelwarden.connect.TestPipelines;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan's PostgreSQL connections with credentials from files and an explicit sslmode, against a
 * real server without TLS: sslmode=disable writes the run, sslmode=require is refused by the driver
 * (so the parameter reaches every connection: migrations, sink, scan-run writer), and the options
 * line the scan logs names the settings without the password.
 */
class ScanSecureSinksITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @TempDir
    Path dir;

    /** The embedded server trusts local connections, so any password logs in: one to look for in the log. */
    static final String PASSWORD = "pgSecretZ93k";

    Config config(String db, String sslMode) throws Exception {
        Path user = Files.writeString(dir.resolve("user"), POSTGRES.user() + "\n");
        Path password = Files.writeString(dir.resolve("password"), PASSWORD + "\n");
        return Config.defaults().withAll(Map.of(
                "scan.parallelism", "2",
                "scan.id-column", "id",
                "scan.sinks.jdbc.url", db,
                "scan.sinks.jdbc.user-file", user.toString(),
                "scan.sinks.jdbc.password-file", password.toString(),
                "scan.sinks.jdbc.sslmode", sslMode));
    }

    @Test
    void credentialsFromFilesAndSslModeDisableWriteTheRunAndTheLogHidesThePassword() throws Exception {
        Path csv = DatasetFiles.writeCsv(PoisonedDataset.poisoned(3, 1_500, 6, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02)), dir.resolve("train.csv"));
        String db = POSTGRES.createDatabase();
        Config c = config(db, "disable");

        String log;
        String scanId;
        try (LogCapture capture = LogCapture.of(ScanJob.class)) {
            // No environment at all: the credentials can only come from the files.
            scanId = new ScanJob(ScanOptions.of(csv.toString(), dir.resolve("out").toString(), null, c), Clock.systemUTC(), new Configuration(), Map.of())
                    .run().get("scan_id").asText();
            log = capture.text();
        }

        try (Connection conn = POSTGRES.connect(db); Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from scan_runs where scan_id = '" + scanId + "'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        String options = log.lines().filter(l -> l.contains("Scan options:")).findFirst().orElseThrow();
        assertThat(options).contains("?sslmode=disable", "user=" + POSTGRES.user(), "password=***",
                "scan.sinks.jdbc.password-file=" + dir.resolve("password"));
        assertThat(log).doesNotContain(PASSWORD);
    }

    @Test
    void sslModeRequireReachesTheDriverOnEveryConnection() throws Exception {
        String db = POSTGRES.createDatabase();
        JdbcSinkOptions require = JdbcSinkOptions.fromConfig(config(db, "require"), Map.of());

        assertThatThrownBy(() -> Migrations.apply(require)).hasStackTraceContaining("does not support SSL");
        assertThatThrownBy(() -> require.connections().getOrEstablishConnection()).hasStackTraceContaining("does not support SSL");
        JdbcSinkOptions disable = JdbcSinkOptions.fromConfig(config(db, "disable"), Map.of());
        assertThat(Migrations.apply(disable)).isPositive();
    }
}
