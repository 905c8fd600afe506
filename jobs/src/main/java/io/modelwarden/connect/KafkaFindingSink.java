package io.modelwarden.connect;

import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Findings onto a Kafka topic, one JSON record per finding ({@link Json#finding}), at-least-once.
 *
 * <p>Key: the {@code scan_id}. All findings of one scan land on one partition, in order, so a
 * consumer reads a scan as a unit and can tell when it has seen all of a partition's findings for
 * it; a scan produces at most thousands of findings, far from making a partition hot. The
 * {@code row_id} would be a poor key: it is null for dataset-level findings and the same row ids
 * (row positions) recur in every dataset, so it would neither group nor spread meaningfully.
 * Consumers dedupe on {@code finding_id} (at-least-once may repeat records after a restart).
 *
 * <p>Record timestamp: left to the producer (send time). Findings carry no event time, and a fixed
 * old timestamp would let retention delete the records at once (STACK.md G5).
 */
public final class KafkaFindingSink {

    private KafkaFindingSink() {}

    public static KafkaSink<Finding> create(KafkaSinkOptions options) {
        return KafkaSink.<Finding>builder()
                .setBootstrapServers(options.bootstrap())
                .setKafkaProducerConfig(options.security().properties())
                .setRecordSerializer(new FindingRecordSerializer(options.topic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(options.lingerMs()))
                .setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(options.batchBytes()))
                .build();
    }

    public static DataStreamSink<Finding> attach(DataStream<Finding> findings, KafkaSinkOptions options) {
        return findings.sinkTo(create(options)).name("findings-kafka").uid("findings-kafka");
    }

    /** key = scan_id, value = the contract's JSON line, no explicit timestamp or partition. */
    static final class FindingRecordSerializer implements KafkaRecordSerializationSchema<Finding> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        FindingRecordSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Finding f, KafkaSinkContext context, Long timestamp) {
            byte[] key = f.scanId == null ? null : f.scanId.getBytes(StandardCharsets.UTF_8);
            byte[] value = Json.finding(f).getBytes(StandardCharsets.UTF_8);
            return new ProducerRecord<>(topic, null, null, key, value);
        }
    }
}
