package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.json.InferenceEvents;
import io.modelwarden.model.InferenceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's sources on a MiniCluster: a bounded Kafka source over a real (in-JVM, KRaft) broker
 * fed by a plain {@link KafkaProducer}, and the file source over a folder of JSON Lines files. Each
 * job is bounded and must finish by itself (executeAndCollect returns only then).
 */
class EventSourcesITCase {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @TempDir
    Path dir;

    @Test
    void boundedKafkaSourceReadsExactlyTheProducedRecordsAndStops() throws Exception {
        String topic = KAFKA.createTopic("events", 3);
        List<String> produced = lines(300, "k");
        produce(topic, produced, true);
        EventSourceOptions options = EventSourceOptions.fromConfig(Config.defaults().withAll(Map.of(
                "monitor.sources.kind", "kafka",
                "monitor.sources.kafka.bootstrap", KAFKA.bootstrapServers(),
                "monitor.sources.kafka.topic", topic,
                "monitor.sources.kafka.group-id", "it-" + UUID.randomUUID(),
                "monitor.sources.kafka.starting-offsets", "earliest",
                "monitor.sources.kafka.bounded", "true")));

        List<String> read = collect(options);

        // Every record value exactly once; the tombstone is dropped.
        assertThat(read).hasSize(produced.size()).containsExactlyInAnyOrderElementsOf(produced);
        for (String line : read) {
            assertThat(InferenceEvents.parse(line, 3).isEvent()).as(line).isTrue();
        }
    }

    @Test
    void boundedKafkaSourceFromLatestReadsNothingAndStops() throws Exception {
        String topic = KAFKA.createTopic("events", 2);
        produce(topic, lines(20, "old"), false);
        EventSourceOptions options = EventSourceOptions.kafka(new EventSourceOptions.KafkaSourceOptions(
                KAFKA.bootstrapServers(), topic, "it-" + UUID.randomUUID(), EventSourceOptions.StartingOffsets.LATEST,
                true));

        assertThat(collect(options)).isEmpty();
    }

    @Test
    void fileSourceReadsEveryLineOfAFolderOfJsonLinesFiles() throws Exception {
        List<String> a = lines(40, "a");
        List<String> b = lines(25, "b");
        List<String> c = lines(10, "c");
        Files.write(dir.resolve("a.jsonl"), a);
        Files.write(dir.resolve("b.jsonl"), b);
        Files.createDirectories(dir.resolve("2026/11/29"));
        Files.write(dir.resolve("2026/11/29/c.jsonl"), c);
        // Hidden and underscore files (in-progress uploads, markers) are not input.
        Files.write(dir.resolve(".partial.jsonl"), lines(5, "hidden"));
        Files.write(dir.resolve("_SUCCESS"), List.of("marker"));
        List<String> expected = new ArrayList<>(a);
        expected.addAll(b);
        expected.addAll(c);

        List<String> read = collect(EventSourceOptions.fromConfig(Config.defaults().withAll(Map.of(
                "monitor.sources.kind", "file", "monitor.sources.file.path", dir.toString()))));

        assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
        // One file, also as a path.
        assertThat(collect(EventSourceOptions.file(dir.resolve("b.jsonl").toString()))).containsExactlyElementsOf(b);
    }

    private static List<String> collect(EventSourceOptions options) throws Exception {
        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.STREAMING, 0);
        DataStream<String> lines = EventSources.attach(env, options);
        List<String> out = new ArrayList<>();
        try (CloseableIterator<String> it = lines.executeAndCollect("event-source")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** {@code n} event lines (3 features) with ids {@code prefix-i}, over 7 clients. */
    private static List<String> lines(int n, String prefix) {
        long t0 = Instant.now().toEpochMilli();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            InferenceEvent e = new InferenceEvent();
            e.eventId = prefix + "-" + i;
            e.timestampMillis = t0 + i;
            e.modelId = "m-1";
            e.clientId = "client-" + (i % 7);
            e.sourceIp = "10.0.0." + (i % 7);
            e.features = new double[] {i, i * 0.5, -i};
            out.add(InferenceEvents.write(e));
        }
        return out;
    }

    /** Produces with a plain producer, keyed by client; optionally one tombstone (null value) too. */
    private static void produce(String topic, List<String> values, boolean tombstone) throws Exception {
        Properties p = KAFKA.producerProperties();
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, "client-" + (i % 7), values.get(i))));
            }
            if (tombstone) {
                sent.add(producer.send(new ProducerRecord<>(topic, "client-0", null)));
            }
            producer.flush();
            // A send that failed (a batch expired on a starved broker) must fail here, with its cause,
            // not later as a record the source "did not read".
            for (java.util.concurrent.Future<?> f : sent) {
                f.get();
            }
        }
    }
}
