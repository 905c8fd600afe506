package io.modelwarden.connect;

import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.java.functions.KeySelector;
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
 * <p>Key: the {@code client_id}, so all alerts about one client land on one partition (an analyst or
 * a blocking service sees a client's escalation in order). The stream is first partitioned by
 * {@code client_id} inside Flink too, so one sink subtask (one producer) writes all of a client's
 * alerts and they keep the order in which they reached it; alerts from different detectors are
 * interleaved by arrival, not sorted by event time ({@code event_time} is in the value). Consumers
 * dedupe on {@code alert_id} (at-least-once repeats records after a restart).
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
                .setKafkaProducerConfig(options.security().properties())
                .setRecordSerializer(new AlertRecordSerializer(options.topic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(options.lingerMs()))
                .setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(options.batchBytes()))
                .build();
    }

    public static DataStreamSink<Alert> attach(DataStream<Alert> alerts, KafkaSinkOptions options) {
        return alerts.keyBy(new ClientKey()).sinkTo(create(options)).name(UID).uid(UID);
    }

    /** The client id ("" when absent: keyBy needs a non-null key); stateless, only partitions. */
    static final class ClientKey implements KeySelector<Alert, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Alert a) {
            return a.clientId == null ? "" : a.clientId;
        }
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
