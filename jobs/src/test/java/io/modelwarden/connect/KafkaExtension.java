package io.modelwarden.connect;

import io.modelwarden.json.InferenceEvents;
import io.modelwarden.model.InferenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker in this JVM for one test class: {@link KafkaClusterTestKit} in KRaft combined
 * mode, one node. Register as a static {@code @RegisterExtension} field; each test creates its own
 * topic ({@link #createTopic}).
 */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {
    private final SecurityProtocol protocol;
    private KafkaClusterTestKit cluster;

    /** A plain-text broker. */
    public KafkaExtension() {
        this(SecurityProtocol.PLAINTEXT);
    }

    private KafkaExtension(SecurityProtocol protocol) {
        this.protocol = protocol;
    }

    /**
     * A broker whose client listener takes SASL_PLAINTEXT with the PLAIN mechanism; the test kit's
     * users are {@code plain-admin} / {@code plain-admin-secret} and {@code plain-user1} /
     * {@code plain-user1-secret} ({@code JaasUtils}). {@link #createTopic} and {@link #readAll} log in
     * as the admin.
     */
    public static KafkaExtension saslPlain() {
        return new KafkaExtension(SecurityProtocol.SASL_PLAINTEXT);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBrokerSecurityProtocol(protocol)
                        .setControllerSecurityProtocol(protocol)
                        .build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // STACK.md G5: never let retention delete test records by their timestamp.
                .setConfigProp("log.retention.ms", "-1")
                .build();
        try {
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
        } catch (Exception e) {
            kit.close();
            throw e;
        }
        cluster = kit;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Properties a Kafka client needs to reach this broker (for a SASL broker: logged in as the admin). */
    public Properties clientProperties() {
        Properties p = cluster.clientProperties();
        if (protocol == SecurityProtocol.SASL_PLAINTEXT) {
            p.setProperty("security.protocol", protocol.name);
            p.setProperty("sasl.mechanism", "PLAIN");
            p.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"plain-admin\" password=\"plain-admin-secret\";");
        }
        return p;
    }

    /** Creates a topic with a random suffix; returns its name. */
    public String createTopic(String prefix, int partitions) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
        return name;
    }

    /**
     * Reads {@code topic} from the beginning with a plain consumer until {@code expected} records
     * arrived or the deadline passed, then polls once more so that surplus records show up too.
     */
    public List<ConsumerRecord<String, String>> readAll(String topic, int expected, Duration timeout) {
        Properties p = clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    /**
     * A test producer's settings: every replica acknowledges; one request in flight, so that a batch
     * resent after a starved in-JVM broker's timeout can neither overtake later batches (the broker
     * then refused it with OutOfOrderSequenceException and the send expired two minutes later, once in
     * a full verify) nor, the producer being idempotent, be written twice; and time for such a broker.
     */
    public Properties producerProperties() {
        Properties p = clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        return p;
    }

    /** Produces inference events keyed by client, values as the JSON contract ({@link InferenceEvents#write}). */
    public void produce(String topic, List<InferenceEvent> events) {
        Properties p = producerProperties();
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (InferenceEvent e : events) {
                producer.send(new ProducerRecord<>(topic, e.clientId, InferenceEvents.write(e)));
            }
            producer.flush();
        }
    }

    /**
     * True when {@code group} has committed the end offset of every partition of {@code topic}: a
     * Flink Kafka source commits on a completed checkpoint, and the sinks flush before a checkpoint's
     * barrier passes them, so by then everything read has landed.
     */
    public boolean committedToEnd(String topic, String group) throws Exception {
        try (Admin admin = Admin.create(clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            for (var end : admin.listOffsets(latest).all().get().entrySet()) {
                OffsetAndMetadata c = committed.get(end.getKey());
                if (c == null || c.offset() < end.getValue().offset()) {
                    return false;
                }
            }
            return true;
        }
    }
}
