package io.modelwarden.connect;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rejected serving events ({@link RejectedEvent}, {@code {"reason", "detail", "raw"}}) to
 * {@code DIR/rejected.jsonl} and/or the {@code monitor.sinks.kafka.rejected-topic} (a dead-letter
 * topic on the alert sink's brokers, unkeyed, at-least-once), as configured.
 */
public final class RejectedEventSinks {
    private static final Logger LOG = LoggerFactory.getLogger(RejectedEventSinks.class);
    public static final String FILE_UID = "write-rejected";
    public static final String KAFKA_UID = "rejected-kafka";

    private RejectedEventSinks() {}

    /** Returns the sinks attached (none when both are off). */
    public static List<DataStreamSink<RejectedEvent>> attach(
            DataStream<RejectedEvent> rejected, MonitorSinkOptions options) {
        List<DataStreamSink<RejectedEvent>> sinks = new ArrayList<>(2);
        if (options.fileEnabled()) {
            LOG.info("Rejected events sink: {}", options.rejectedFile());
            sinks.add(JsonLinesSink.attach(rejected, options.rejectedFile(), RejectedEvent::toJson, FILE_UID));
        }
        if (options.rejectedTopicEnabled()) {
            LOG.info("Rejected events sink: topic {} on {}", options.rejectedTopic(), options.kafka().bootstrap());
            sinks.add(rejected.sinkTo(kafkaSink(options.kafka(), options.rejectedTopic())).name(KAFKA_UID).uid(KAFKA_UID));
        }
        return sinks;
    }

    static KafkaSink<RejectedEvent> kafkaSink(KafkaSinkOptions kafka, String topic) {
        return KafkaSink.<RejectedEvent>builder()
                .setBootstrapServers(kafka.bootstrap())
                .setKafkaProducerConfig(kafka.security().properties())
                .setRecordSerializer(new RejectedRecordSerializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(kafka.lingerMs()))
                .setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(kafka.batchBytes()))
                .build();
    }

    /** No key (a rejected event may have no usable client id), value = {@link RejectedEvent#toJson()}. */
    static final class RejectedRecordSerializer implements KafkaRecordSerializationSchema<RejectedEvent> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        RejectedRecordSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(RejectedEvent r, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, null, null, r.toJson().getBytes(StandardCharsets.UTF_8));
        }
    }
}
