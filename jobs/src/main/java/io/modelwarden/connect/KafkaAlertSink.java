package io.modelwarden.connect;

import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Alerts onto a Kafka topic, one JSON record per alert ({@link Json#alert}), at-least-once.
 *
 * <p>Key: the {@code client_id}, so all alerts about one client land on one partition in the order
 * the sink wrote them (an analyst or a blocking service sees a client's escalation in order). Keyed
 * Flink operators upstream hash on {@code model_id|client_id}; a client's alerts from different
 * detectors may still reach the sink from different subtasks, so the order is per sink subtask, not a
 * global event-time order. Consumers dedupe on {@code alert_id} (at-least-once repeats records after
 * a restart).
 *
 * <p>Record timestamp: left to the producer (send time), not the event time: a replay of old traffic
 * would otherwise write old timestamps that retention deletes at once (STACK.md G5). The event time
 * is in the value ({@code event_time}).
 */
public final class KafkaAlertSink {
    public static final String UID = "alerts-kafka";

    private KafkaAlertSink() {}

    public static KafkaSink<Alert> create(KafkaSinkOptions options) {
        return KafkaSink.<Alert>builder()
                .setBootstrapServers(options.bootstrap())
                .setRecordSerializer(new AlertRecordSerializer(options.topic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(options.lingerMs()))
                .setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(options.batchBytes()))
                .build();
    }

    public static DataStreamSink<Alert> attach(DataStream<Alert> alerts, KafkaSinkOptions options) {
        return alerts.sinkTo(create(options)).name(UID).uid(UID);
    }

    /** key = client_id (null key when absent: round-robin), value = the contract's JSON line. */
    static final class AlertRecordSerializer implements KafkaRecordSerializationSchema<Alert> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        AlertRecordSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Alert a, KafkaSinkContext context, Long timestamp) {
            byte[] key = a.clientId == null ? null : a.clientId.getBytes(StandardCharsets.UTF_8);
            byte[] value = Json.alert(a).getBytes(StandardCharsets.UTF_8);
            return new ProducerRecord<>(topic, null, null, key, value);
        }
    }
}
