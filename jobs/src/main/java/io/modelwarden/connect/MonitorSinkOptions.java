package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.util.Map;

/**
 * Which monitor sinks are configured ({@code monitor.sinks.*}). An empty {@code file.dir},
 * {@code jdbc.url}, {@code kafka.bootstrap} or {@code kafka.rejected-topic} turns that sink off.
 * At-least-once everywhere: alert ids are deterministic, so PostgreSQL upserts and Kafka consumers
 * dedupe on {@code alert_id}.
 *
 * @param dir folder for {@code alerts.jsonl} and {@code rejected.jsonl}; null when off
 * @param jdbc alerts into PostgreSQL; null when off
 * @param kafka alerts onto {@code kafka.topic()}; null when off
 * @param rejectedTopic rejected events onto this topic (same brokers as {@code kafka}); null when off
 */
public record MonitorSinkOptions(String dir, JdbcSinkOptions jdbc, KafkaSinkOptions kafka, String rejectedTopic)
        implements Serializable {

    public static final String PREFIX = "monitor.sinks.";
    public static final String ALERTS_FILE = "alerts.jsonl";
    public static final String REJECTED_FILE = "rejected.jsonl";

    public MonitorSinkOptions {
        if (rejectedTopic != null && kafka == null) {
            throw new ConfigException(PREFIX + "kafka.rejected-topic needs " + PREFIX + "kafka.bootstrap");
        }
    }

    /** Reads the credentials from the process environment. */
    public static MonitorSinkOptions fromConfig(Config config) {
        return fromConfig(config, System.getenv());
    }

    /** With an explicit environment (tests; a launcher that builds one). */
    public static MonitorSinkOptions fromConfig(Config config, Map<String, String> env) {
        String dir = config.getString(PREFIX + "file.dir").trim();
        KafkaSinkOptions kafka = KafkaSinkOptions.fromConfig(config, env, PREFIX + "kafka.");
        String rejected = config.getString(PREFIX + "kafka.rejected-topic").trim();
        return new MonitorSinkOptions(
                dir.isEmpty() ? null : dir,
                JdbcSinkOptions.fromConfig(config, env, PREFIX + "jdbc."),
                kafka,
                rejected.isEmpty() ? null : KafkaSinkOptions.topicName(config, PREFIX + "kafka.rejected-topic"));
    }

    public boolean fileEnabled() {
        return dir != null;
    }

    public boolean jdbcEnabled() {
        return jdbc != null;
    }

    public boolean kafkaEnabled() {
        return kafka != null;
    }

    public boolean rejectedTopicEnabled() {
        return rejectedTopic != null;
    }

    /** {@code DIR/alerts.jsonl}; only when {@link #fileEnabled()}. */
    public String alertsFile() {
        return resolve(ALERTS_FILE);
    }

    /** {@code DIR/rejected.jsonl}; only when {@link #fileEnabled()}. */
    public String rejectedFile() {
        return resolve(REJECTED_FILE);
    }

    private String resolve(String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
