package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.util.Map;

/**
 * The Kafka sink settings ({@code scan.sinks.kafka.*}; the same keys under {@code monitor.sinks.kafka.*}),
 * with the shared client security ({@code kafka.*}).
 */
public record KafkaSinkOptions(String bootstrap, String topic, int lingerMs, int batchBytes, KafkaSecurity security)
        implements Serializable {

    public static final String PREFIX = "scan.sinks.kafka.";

    /** Without client security (a local broker). */
    public KafkaSinkOptions(String bootstrap, String topic, int lingerMs, int batchBytes) {
        this(bootstrap, topic, lingerMs, batchBytes, KafkaSecurity.NONE);
    }

    /** Null when {@code scan.sinks.kafka.bootstrap} is empty (the sink is off). */
    public static KafkaSinkOptions fromConfig(Config config, Map<String, String> env) {
        return fromConfig(config, env, PREFIX);
    }

    /**
     * The keys below {@code prefix} (with its trailing dot) and {@code kafka.*}; null when its
     * {@code bootstrap} is empty.
     */
    public static KafkaSinkOptions fromConfig(Config config, Map<String, String> env, String prefix) {
        String bootstrap = config.getString(prefix + "bootstrap").trim();
        if (bootstrap.isEmpty()) {
            return null;
        }
        String topic = topicName(config, prefix + "topic");
        int linger = config.getInt(prefix + "linger-ms");
        if (linger < 0) {
            throw ConfigException.invalid(prefix + "linger-ms", ">= 0", linger);
        }
        int batchBytes = config.positiveInt(prefix + "batch-bytes");
        return new KafkaSinkOptions(bootstrap, topic, linger, batchBytes, KafkaSecurity.fromConfig(config, env));
    }

    /** A valid Kafka topic name from {@code key}. */
    static String topicName(Config config, String key) {
        String topic = config.getString(key).trim();
        if (topic.isEmpty() || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw ConfigException.invalid(key, "a Kafka topic name ([a-zA-Z0-9._-], 1-249 chars)", "'" + topic + "'");
        }
        return topic;
    }
}
