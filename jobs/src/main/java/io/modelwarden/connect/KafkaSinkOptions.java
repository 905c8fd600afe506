package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/** The Kafka sink settings ({@code scan.sinks.kafka.*}). */
public record KafkaSinkOptions(String bootstrap, String topic, int lingerMs, int batchBytes) implements Serializable {

    public static final String PREFIX = "scan.sinks.kafka.";

    /** Null when {@code scan.sinks.kafka.bootstrap} is empty (the sink is off). */
    public static KafkaSinkOptions fromConfig(Config config) {
        String bootstrap = config.getString(PREFIX + "bootstrap").trim();
        if (bootstrap.isEmpty()) {
            return null;
        }
        String topic = config.getString(PREFIX + "topic").trim();
        if (topic.isEmpty() || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw ConfigException.invalid(PREFIX + "topic", "a Kafka topic name ([a-zA-Z0-9._-], 1-249 chars)",
                    "'" + topic + "'");
        }
        int linger = config.getInt(PREFIX + "linger-ms");
        if (linger < 0) {
            throw ConfigException.invalid(PREFIX + "linger-ms", ">= 0", linger);
        }
        int batchBytes = config.positiveInt(PREFIX + "batch-bytes");
        return new KafkaSinkOptions(bootstrap, topic, linger, batchBytes);
    }
}
