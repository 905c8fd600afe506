package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.model.Finding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kafka.*} security options against a real broker that takes only SASL_PLAINTEXT (PLAIN):
 * the monitor's Kafka source and the scan's finding sink log in with credentials from an environment
 * variable and a file, and a wrong password fails the job with an authentication error. (TLS is not
 * exercised: the in-JVM test broker runs without certificates.)
 */
class KafkaSaslITCase {
    @RegisterExtension
    static final KafkaExtension KAFKA = KafkaExtension.saslPlain();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    static final String USER = "plain-user1";
    static final String PASSWORD = "plain-user1-secret";

    @TempDir
    Path dir;

    Config sasl(String password) throws Exception {
        Path file = Files.writeString(dir.resolve("kafka-password-" + UUID.randomUUID()), password + "\n");
        return Config.defaults().withAll(Map.of(
                "kafka.security-protocol", "sasl-plaintext",
                "kafka.sasl.mechanism", "plain",
                "kafka.sasl.username-env", "KAFKA_USER",
                "kafka.sasl.password-file", file.toString()));
    }

    static final Map<String, String> ENV = Map.of("KAFKA_USER", USER);

    /** The broker authorizes: the test user may use every topic and consumer group (nothing more). */
    @BeforeAll
    static void allowTheUser() throws Exception {
        AccessControlEntry all = new AccessControlEntry("User:" + USER, "*", AclOperation.ALL, AclPermissionType.ALLOW);
        try (Admin admin = Admin.create(KAFKA.clientProperties())) {
            admin.createAcls(List.of(
                            new AclBinding(new ResourcePattern(ResourceType.TOPIC, "*", PatternType.LITERAL), all),
                            new AclBinding(new ResourcePattern(ResourceType.GROUP, "*", PatternType.LITERAL), all)))
                    .all()
                    .get();
        }
    }

    @Test
    void theSourceReadsAndTheFindingSinkWritesWithSaslCredentials() throws Exception {
        String events = KAFKA.createTopic("events", 2);
        List<String> produced = new ArrayList<>();
        Properties p = KAFKA.clientProperties();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 20; i++) {
                String line = "{\"event_id\":\"e" + i + "\"}";
                produced.add(line);
                producer.send(new ProducerRecord<>(events, "k" + i, line));
            }
        }
        EventSourceOptions source = EventSourceOptions.fromConfig(sasl(PASSWORD).withAll(Map.of(
                "monitor.sources.kind", "kafka",
                "monitor.sources.kafka.bootstrap", KAFKA.bootstrapServers(),
                "monitor.sources.kafka.topic", events,
                "monitor.sources.kafka.starting-offsets", "earliest",
                "monitor.sources.kafka.bounded", "true")), ENV);

        List<String> read = new ArrayList<>();
        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.STREAMING, 0);
        try (CloseableIterator<String> it = EventSources.attach(env, source).executeAndCollect("sasl-source")) {
            it.forEachRemaining(read::add);
        }
        assertThat(read).containsExactlyInAnyOrderElementsOf(produced);

        String findingsTopic = KAFKA.createTopic("findings", 2);
        SinkOptions sinks = SinkOptions.fromConfig(sasl(PASSWORD).withAll(Map.of(
                "scan.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                "scan.sinks.kafka.topic", findingsTopic)), ENV);
        List<Finding> findings = TestFindings.scan("scan-sasl", 30);
        StreamExecutionEnvironment sinkEnv = TestPipelines.env(RuntimeExecutionMode.BATCH, 0);
        TestPipelines.attach(sinkEnv, findings, sinks);
        sinkEnv.execute("sasl-sink");
        Set<String> keys = new HashSet<>();
        for (ConsumerRecord<String, String> r : KAFKA.readAll(findingsTopic, findings.size(), Duration.ofSeconds(30))) {
            keys.add(r.value());
        }
        assertThat(keys).hasSize(findings.size());
    }

    @Test
    void aWrongPasswordFailsTheJobWithAnAuthenticationError() throws Exception {
        String events = KAFKA.createTopic("events", 1);
        EventSourceOptions source = EventSourceOptions.fromConfig(sasl("not-the-password").withAll(Map.of(
                "monitor.sources.kind", "kafka",
                "monitor.sources.kafka.bootstrap", KAFKA.bootstrapServers(),
                "monitor.sources.kafka.topic", events,
                "monitor.sources.kafka.bounded", "true")), ENV);
        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.STREAMING, 0);
        EventSources.attach(env, source).print();

        Throwable failure = TestPipelines.failureOf(env, "sasl-wrong-password", Duration.ofSeconds(60));

        assertThat(ExceptionUtils.findThrowable(failure, SaslAuthenticationException.class)).as(ExceptionUtils.stringifyException(failure)).isPresent();
    }
}
