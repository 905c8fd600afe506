package io.modelwarden.connect;

import io.modelwarden.connect.EventSourceOptions.KafkaSourceOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's event sources. Both give the raw lines / record values as {@code DataStream<String>};
 * parsing ({@link io.modelwarden.json.InferenceEvents}) and the rejected-event side output are the
 * pipeline's, so that every source shares them.
 *
 * <p>Watermarks: the event time lives inside the JSON, so the sources emit no watermarks
 * ({@link WatermarkStrategy#noWatermarks()}) and the pipeline assigns timestamps and a bounded
 * out-of-orderness strategy (with idleness) right after parsing. {@link #attach(StreamExecutionEnvironment,
 * EventSourceOptions, WatermarkStrategy)} takes another strategy for callers that want one on the raw
 * strings (for example Kafka record timestamps); the other overloads use none.
 *
 * <ul>
 *   <li>FILE: {@link FileSource} with {@link TextLineInputFormat} (UTF-8) over one file or a folder,
 *       read recursively (files whose names start with {@code .} or {@code _} are skipped), bounded:
 *       the job finishes when the files are read. Lines are emitted as they are, blank lines too (the
 *       parser rejects them).
 *   <li>KAFKA: {@link KafkaSource} over one topic, the record value as UTF-8; tombstones (null values)
 *       are dropped. Offsets are committed to the group on checkpoints, so {@code committed} resumes
 *       there after a redeploy without a savepoint. {@code bounded} stops at the latest offsets seen
 *       when the job starts (STACK.md G8), for replays and tests: the final watermark then fires the
 *       remaining windows and timers.
 * </ul>
 */
public final class EventSources {
    private static final Logger LOG = LoggerFactory.getLogger(EventSources.class);

    /** Operator uids/names (stable: savepoints match on them). */
    public static final String FILE_UID = "events-file-source";
    public static final String KAFKA_UID = "events-kafka-source";

    private EventSources() {}

    /** The configured source, without watermarks. */
    public static DataStream<String> attach(StreamExecutionEnvironment env, EventSourceOptions options) {
        return attach(env, options, WatermarkStrategy.noWatermarks());
    }

    public static DataStream<String> attach(
            StreamExecutionEnvironment env, EventSourceOptions options, WatermarkStrategy<String> watermarks) {
        LOG.info("Event source: {}", options);
        return switch (options.kind()) {
            case FILE -> env.fromSource(fileSource(options.filePath()), watermarks, FILE_UID, Types.STRING)
                    .uid(FILE_UID)
                    .name(FILE_UID);
            case KAFKA -> env.fromSource(kafkaSource(options.kafka()), watermarks, KAFKA_UID, Types.STRING)
                    .uid(KAFKA_UID)
                    .name(KAFKA_UID);
        };
    }

    /** Every line of a file, or of every (non-hidden) file below a folder; bounded. */
    public static FileSource<String> fileSource(String path) {
        return FileSource.forRecordStreamFormat(new TextLineInputFormat(StandardCharsets.UTF_8.name()), new Path(path))
                .build();
    }

    public static KafkaSource<String> kafkaSource(KafkaSourceOptions options) {
        KafkaSourceBuilder<String> builder = KafkaSource.<String>builder()
                .setBootstrapServers(options.bootstrap())
                .setProperties(options.security().properties())
                .setTopics(options.topic())
                .setGroupId(options.groupId())
                .setStartingOffsets(startingOffsets(options))
                .setDeserializer(new RecordValues());
        if (options.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    static OffsetsInitializer startingOffsets(KafkaSourceOptions options) {
        return switch (options.startingOffsets()) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            // A group that never committed (first deployment) starts from the beginning of retention.
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    /** The record value as a UTF-8 string; tombstones (null values) are skipped. */
    static final class RecordValues implements KafkaRecordDeserializationSchema<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<String> out) throws IOException {
            byte[] value = record.value();
            if (value != null) {
                out.collect(new String(value, StandardCharsets.UTF_8));
            }
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }
}
