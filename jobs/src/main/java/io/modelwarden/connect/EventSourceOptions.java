package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.util.Map;

/**
 * Where the monitor reads serving events ({@code monitor.sources.*}): a bounded JSON Lines file or
 * folder, or a Kafka topic. Only the selected kind is validated.
 *
 * @param kind which source
 * @param filePath a file or folder (Flink file system path: local, {@code s3://}, ...); null unless FILE
 * @param kafka null unless KAFKA
 */
public record EventSourceOptions(Kind kind, String filePath, KafkaSourceOptions kafka) implements Serializable {

    public static final String PREFIX = "monitor.sources.";

    public enum Kind {
        /** A JSON Lines file or a folder of them, read once (bounded). */
        FILE,
        /** A Kafka topic, one event per record value; unbounded unless {@code bounded}. */
        KAFKA
    }

    public EventSourceOptions {
        if (kind == Kind.FILE && (filePath == null || filePath.isBlank())) {
            throw new ConfigException(PREFIX + "file.path must name a file or folder when " + PREFIX
                    + "kind is file (or pass --input)");
        }
        if (kind == Kind.KAFKA && kafka == null) {
            throw new IllegalArgumentException("kafka options are required when the kind is kafka");
        }
    }

    public static EventSourceOptions file(String path) {
        return new EventSourceOptions(Kind.FILE, path, null);
    }

    public static EventSourceOptions kafka(KafkaSourceOptions kafka) {
        return new EventSourceOptions(Kind.KAFKA, null, kafka);
    }

    /** Reads the Kafka credentials (if any) from the process environment. */
    public static EventSourceOptions fromConfig(Config config) {
        return fromConfig(config, System.getenv());
    }

    /** With an explicit environment for the Kafka credentials (tests; a launcher that builds one). */
    public static EventSourceOptions fromConfig(Config config, Map<String, String> env) {
        Kind kind = config.getEnum(PREFIX + "kind", Kind.class);
        if (kind == Kind.FILE) {
            return file(config.getString(PREFIX + "file.path").trim());
        }
        return kafka(KafkaSourceOptions.fromConfig(config, env));
    }

    /** The Kafka source settings ({@code monitor.sources.kafka.*}) and the shared client security ({@code kafka.*}). */
    public record KafkaSourceOptions(
            String bootstrap,
            String topic,
            String groupId,
            StartingOffsets startingOffsets,
            boolean bounded,
            KafkaSecurity security)
            implements Serializable {

        public static final String PREFIX = EventSourceOptions.PREFIX + "kafka.";

        public KafkaSourceOptions {
            if (bootstrap == null || bootstrap.isBlank()) {
                throw new ConfigException(PREFIX + "bootstrap must be host:port when " + EventSourceOptions.PREFIX
                        + "kind is kafka, was empty");
            }
            if (groupId == null || groupId.isBlank()) {
                throw new ConfigException(PREFIX + "group-id must not be empty");
            }
        }

        /** Without client security (a local broker). */
        public KafkaSourceOptions(String bootstrap, String topic, String groupId, StartingOffsets startingOffsets, boolean bounded) {
            this(bootstrap, topic, groupId, startingOffsets, bounded, KafkaSecurity.NONE);
        }

        public static KafkaSourceOptions fromConfig(Config config, Map<String, String> env) {
            return new KafkaSourceOptions(
                    config.getString(PREFIX + "bootstrap").trim(),
                    KafkaSinkOptions.topicName(config, PREFIX + "topic"),
                    config.getString(PREFIX + "group-id").trim(),
                    config.getEnum(PREFIX + "starting-offsets", StartingOffsets.class),
                    config.getBoolean(PREFIX + "bounded"),
                    KafkaSecurity.fromConfig(config, env));
        }
    }

    /** Where a Kafka source starts reading. */
    public enum StartingOffsets {
        /** Each partition from its first retained record. */
        EARLIEST,
        /** Only records produced after the job started. */
        LATEST,
        /** Where the consumer group last committed (on checkpoints); from the earliest record if it never did. */
        COMMITTED
    }
}
