package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkOptionsTest {
    private static final Map<String, String> ENV = Map.of("WARDEN_JDBC_USER", "warden", "WARDEN_JDBC_PASSWORD", "s3cret");

    @Test
    void emptyUrlAndBootstrapTurnTheSinksOff() {
        SinkOptions options = SinkOptions.fromConfig(Config.defaults(), Map.of());
        assertThat(options.any()).isFalse();
    }

    @Test
    void jdbcReadsCredentialsFromTheNamedEnvironmentVariables() {
        Config config = Config.defaults().withAll(Map.of(
                "scan.sinks.jdbc.url", "jdbc:postgresql://db:5432/warden",
                "scan.sinks.jdbc.batch-size", "100"));
        JdbcSinkOptions jdbc = SinkOptions.fromConfig(config, ENV).jdbc();
        assertThat(jdbc.user()).isEqualTo("warden");
        assertThat(jdbc.password()).isEqualTo("s3cret");
        assertThat(jdbc.batchSize()).isEqualTo(100);
        assertThat(jdbc.batchIntervalMs()).isEqualTo(1000);
        assertThat(jdbc.maxRetries()).isEqualTo(5);
        assertThat(jdbc.migrations()).isEqualTo(Migrations.DEFAULT_LOCATION);
        assertThat(jdbc.toString()).doesNotContain("s3cret").contains("password=***");
    }

    @Test
    void missingEnvironmentVariableNamesTheKey() {
        Config config = Config.defaults().with("scan.sinks.jdbc.url", "jdbc:postgresql://db:5432/warden");
        assertThatThrownBy(() -> SinkOptions.fromConfig(config, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("scan.sinks.jdbc.user-env")
                .hasMessageContaining("WARDEN_JDBC_USER");
        assertThatThrownBy(() -> SinkOptions.fromConfig(config, Map.of("WARDEN_JDBC_USER", "warden")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("scan.sinks.jdbc.password-env")
                .hasMessageContaining("WARDEN_JDBC_PASSWORD");
    }

    @Test
    void invalidValuesNameTheKey() {
        assertThatThrownBy(() -> SinkOptions.fromConfig(Config.defaults().with("scan.sinks.jdbc.url", "jdbc:mysql://x/y"), ENV))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan.sinks.jdbc.url");
        Config badBatch = Config.defaults().withAll(Map.of(
                "scan.sinks.jdbc.url", "jdbc:postgresql://db/warden", "scan.sinks.jdbc.batch-size", "0"));
        assertThatThrownBy(() -> SinkOptions.fromConfig(badBatch, ENV))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan.sinks.jdbc.batch-size");
        Config badTopic = Config.defaults().withAll(Map.of(
                "scan.sinks.kafka.bootstrap", "localhost:9092", "scan.sinks.kafka.topic", "no spaces"));
        assertThatThrownBy(() -> SinkOptions.fromConfig(badTopic, ENV))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan.sinks.kafka.topic");
    }

    @Test
    void kafkaIsOnWithABootstrap() {
        Config config = Config.defaults().with("scan.sinks.kafka.bootstrap", "broker:9092");
        KafkaSinkOptions kafka = SinkOptions.fromConfig(config, Map.of()).kafka();
        assertThat(kafka.topic()).isEqualTo("warden-findings");
        assertThat(kafka.lingerMs()).isEqualTo(100);
        assertThat(kafka.batchBytes()).isEqualTo(65536);
    }

    @Test
    void migrationsAreOnTheClasspathUnderDbMigration() {
        assertThat(Migrations.class.getResource("/db/migration/V1__scan_runs_and_findings.sql")).isNotNull();
        assertThat(Migrations.class.getResource("/db/migration/V2__alerts.sql")).isNotNull();
    }
}
