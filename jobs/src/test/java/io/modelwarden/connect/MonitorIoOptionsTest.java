package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** monitor.sources.* and monitor.sinks.* parse into typed options and name the offending key. */
class MonitorIoOptionsTest {
    private static final Map<String, String> ENV = Map.of("WARDEN_JDBC_USER", "warden", "WARDEN_JDBC_PASSWORD", "s3cret");

    @Test
    void defaultsTurnEverySinkOff() {
        MonitorSinkOptions options = MonitorSinkOptions.fromConfig(Config.defaults(), Map.of());
        assertThat(options.fileEnabled()).isFalse();
        assertThat(options.jdbcEnabled()).isFalse();
        assertThat(options.kafkaEnabled()).isFalse();
        assertThat(options.rejectedTopicEnabled()).isFalse();
    }

    @Test
    void monitorSinksReadTheirOwnKeys() {
        Config config = Config.defaults().withAll(Map.of(
                "monitor.sinks.file.dir", "out/run/",
                "monitor.sinks.jdbc.url", "jdbc:postgresql://db:5432/warden",
                "monitor.sinks.jdbc.batch-size", "50",
                "monitor.sinks.kafka.bootstrap", "broker:9092",
                "monitor.sinks.kafka.rejected-topic", "warden-rejected"));
        MonitorSinkOptions options = MonitorSinkOptions.fromConfig(config, ENV);
        assertThat(options.alertsFile()).isEqualTo("out/run/alerts.jsonl");
        assertThat(options.rejectedFile()).isEqualTo("out/run/rejected.jsonl");
        assertThat(options.jdbc().batchSize()).isEqualTo(50);
        assertThat(options.jdbc().user()).isEqualTo("warden");
        assertThat(options.kafka().topic()).isEqualTo("warden-alerts");
        assertThat(options.rejectedTopic()).isEqualTo("warden-rejected");
        assertThat(SinkOptions.fromConfig(config, ENV).any()).as("the scan's sinks stay off").isFalse();
    }

    @Test
    void invalidSinkValuesNameTheMonitorKey() {
        assertThatThrownBy(() -> MonitorSinkOptions.fromConfig(
                        Config.defaults().with("monitor.sinks.jdbc.url", "jdbc:postgresql://db/w"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sinks.jdbc.user-env");
        assertThatThrownBy(() -> MonitorSinkOptions.fromConfig(
                        Config.defaults().with("monitor.sinks.kafka.rejected-topic", "dead-letters"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sinks.kafka.bootstrap");
        assertThatThrownBy(() -> MonitorSinkOptions.fromConfig(Config.defaults().withAll(Map.of(
                        "monitor.sinks.kafka.bootstrap", "b:9092", "monitor.sinks.kafka.rejected-topic", "no spaces")), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sinks.kafka.rejected-topic");
    }

    @Test
    void sourcesValidateOnlyTheSelectedKind() {
        assertThatThrownBy(() -> EventSourceOptions.fromConfig(Config.defaults()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sources.file.path");
        assertThat(EventSourceOptions.fromConfig(Config.defaults().with("monitor.sources.file.path", "in/")).filePath())
                .isEqualTo("in/");
        assertThatThrownBy(() -> EventSourceOptions.fromConfig(Config.defaults().with("monitor.sources.kind", "kafka")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sources.kafka.bootstrap");
        assertThatThrownBy(() -> EventSourceOptions.fromConfig(Config.defaults().with("monitor.sources.kind", "socket")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sources.kind");
        EventSourceOptions kafka = EventSourceOptions.fromConfig(Config.defaults().withAll(Map.of(
                "monitor.sources.kind", "kafka", "monitor.sources.kafka.bootstrap", "b:9092")));
        assertThat(kafka.kafka().topic()).isEqualTo("warden-events");
        assertThat(kafka.kafka().groupId()).isEqualTo("warden-monitor");
        assertThat(kafka.kafka().startingOffsets()).isEqualTo(EventSourceOptions.StartingOffsets.COMMITTED);
        assertThat(kafka.kafka().bounded()).isFalse();
        assertThatThrownBy(() -> EventSourceOptions.fromConfig(Config.defaults().withAll(Map.of(
                        "monitor.sources.kind", "kafka", "monitor.sources.kafka.bootstrap", "b:9092",
                        "monitor.sources.kafka.starting-offsets", "newest"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("monitor.sources.kafka.starting-offsets");
    }
}
