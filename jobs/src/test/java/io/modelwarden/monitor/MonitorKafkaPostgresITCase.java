package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.cli.Warden;
import io.modelwarden.config.Config;
import io.modelwarden.connect.KafkaExtension;
import io.modelwarden.connect.PostgresExtension;
import io.modelwarden.connect.TcpProxy;
import io.modelwarden.json.Json;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.TrafficFiles;
import io.modelwarden.synth.TrafficScenarios;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor job end to end on real infrastructure, across a stop-with-savepoint and a restore: a
 * real Kafka broker (in-JVM KRaft) feeds {@link MonitorJob#build} on a MiniCluster, which writes into
 * a real PostgreSQL (embedded, the real migrations) and a Kafka alerts topic.
 *
 * <ol>
 *   <li>The first part of a seeded traffic stream (benign clients and three attackers, keyed by
 *       client) is produced; the unbounded job runs until exactly the alerts of that part are in
 *       PostgreSQL, then stops with a savepoint.
 *   <li>The rest of the stream is produced; the same job graph is restored from the savepoint and
 *       runs until its consumer group has committed (on a completed checkpoint, which flushes the
 *       sinks) the end of every partition; then it is cancelled.
 *   <li>Reference: the whole stream on a second topic, one uninterrupted bounded run of the same job
 *       into alerts.jsonl.
 * </ol>
 *
 * The alert ids in PostgreSQL and on the alerts topic must be exactly the reference's: none missing,
 * none extra (PostgreSQL's primary key rules out duplicate rows; the at-least-once topic may repeat a
 * record, but no id outside the reference). Alert ids are deterministic (detector, key, window, last
 * event id) and {@code detected_at} comes from a fixed clock.
 */
class MonitorKafkaPostgresITCase {
    static final int PARALLELISM = 2;
    static final int PARTITIONS = 2;
    static final long SEED = 77;
    static final int FEATURES = 8;
    static final int TRAINING_ROWS = 3_000;
    static final int BENIGN_CLIENTS = 15;
    /** Each wait's bound: generous, since a wait ends as soon as its condition holds (a loaded 2-core machine once needed more than 40 s). */
    static final Duration WAIT = Duration.ofSeconds(90);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC);
    static final Set<String> ATTACKERS = Set.of("attacker-extraction", "attacker-boundary", "attacker-near-duplicates");

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    @TempDir
    Path dir;

    /** The baseline of a real scan, the seeded traffic, and the alerts of one uninterrupted bounded run of it. */
    record World(Path baseline, List<InferenceEvent> events, ReferenceAlerts referenceAlerts) {}

    private World world() throws Exception {
        // A baseline from a real scan of the training data of the traffic's world.
        Path training = DatasetFiles.writeCsv(PoisonedDataset.clean(SEED, TRAINING_ROWS, FEATURES), dir.resolve("train.csv"));
        Path scan = dir.resolve("scan");
        StringWriter err = new StringWriter();
        int code = Warden.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "scan", "--input", training.toString(), "--output", scan.toString(), "--parallelism", "2");
        assertThat(code).as(err.toString()).isZero();
        Path baseline = scan.resolve("baseline");

        List<InferenceEvent> events = TrafficFiles.sample(SEED, FEATURES, TRAINING_ROWS, BENIGN_CLIENTS);
        ReferenceAlerts.assertOneClientPerIp(events);

        // Reference: the whole stream, one uninterrupted bounded run, alerts into alerts.jsonl.
        String referenceTopic = KAFKA.createTopic("events-reference-" + UUID.randomUUID(), PARTITIONS);
        KAFKA.produce(referenceTopic, events);
        Path referenceDir = dir.resolve("reference");
        MonitorJob referenceJob = job(baseline, Map.of(
                "monitor.sources.kafka.topic", referenceTopic,
                "monitor.sources.kafka.group-id", "reference-" + UUID.randomUUID(),
                "monitor.sources.kafka.bounded", "true",
                "monitor.sinks.file.dir", referenceDir.toString()));
        StreamExecutionEnvironment referenceEnv = env(referenceJob, null);
        referenceJob.build(referenceEnv);
        referenceEnv.execute("monitor-reference");
        return new World(baseline, events, ReferenceAlerts.read(referenceDir.resolve("alerts.jsonl")));
    }

    @Test
    void restoreFromSavepointLosesNoAlertAndDuplicatesNone(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        World world = world();
        Path baseline = world.baseline();
        List<InferenceEvent> events = world.events();
        ReferenceAlerts referenceAlerts = world.referenceAlerts();
        Set<String> reference = referenceAlerts.ids();
        List<InferenceEvent> part1 = referenceAlerts.part1(events);
        List<InferenceEvent> part2 = referenceAlerts.part2(events);
        Set<String> expectedPart1 = referenceAlerts.beforeSplit();

        // Act 1: part 1 on the events topic; the unbounded job until part 1's alerts are in PostgreSQL.
        String eventsTopic = KAFKA.createTopic("events", PARTITIONS);
        String alertsTopic = KAFKA.createTopic("alerts", PARTITIONS);
        String url = PG.createDatabase();
        String group = "monitor-" + UUID.randomUUID();
        Map<String, String> live = Map.of(
                "monitor.sources.kafka.topic", eventsTopic,
                "monitor.sources.kafka.group-id", group,
                "monitor.sources.kafka.bounded", "false",
                "monitor.sinks.jdbc.url", url,
                "monitor.sinks.kafka.bootstrap", KAFKA.bootstrapServers(),
                "monitor.sinks.kafka.topic", alertsTopic);
        KAFKA.produce(eventsTopic, part1);
        MonitorJob first = job(baseline, live);
        StreamExecutionEnvironment firstEnv = env(first, null);
        first.build(firstEnv);
        JobClient firstRun = firstEnv.executeAsync("monitor-part-1");
        awaitWhileRunning(firstRun, "the alerts of part 1 in PostgreSQL", () -> alertIds(url).containsAll(expectedPart1));
        String savepoint = firstRun.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(firstRun.getJobStatus().get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(JobStatus.FINISHED);
        Set<String> afterPart1 = alertIds(url);

        // Act 2: the rest of the stream; the same job graph restored from the savepoint, until its
        // group has committed the end of every partition (offsets are committed when a checkpoint
        // completes, and the sinks flush before a checkpoint's barrier passes them).
        KAFKA.produce(eventsTopic, part2);
        MonitorJob second = job(baseline, live);
        StreamExecutionEnvironment secondEnv = env(second, savepoint);
        second.build(secondEnv);
        JobClient secondRun = secondEnv.executeAsync("monitor-part-2");
        awaitWhileRunning(secondRun, "the end of " + eventsTopic + " committed by group " + group,
                () -> KAFKA.committedToEnd(eventsTopic, group));
        // The job (running, so past its restore) says it started from the savepoint.
        JsonNode restored = restoredCheckpoint(cluster, secondRun.getJobID());
        assertThat(restored.path("is_savepoint").asBoolean()).as("restored: %s", restored).isTrue();
        assertThat(restored.path("external_path").asText()).as("restored: %s", restored).isEqualTo(savepoint);
        secondRun.cancel().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        // Assert: PostgreSQL holds exactly the reference alerts (the primary key forbids duplicates).
        assertThat(afterPart1).as("alert ids in PostgreSQL when stopped with the savepoint").isEqualTo(expectedPart1);
        Set<String> inPostgres = alertIds(url);
        assertThat(inPostgres).as("alert ids in PostgreSQL vs the uninterrupted run")
                .containsExactlyInAnyOrderElementsOf(reference);
        assertThat(count(url, "SELECT count(*) FROM alerts")).isEqualTo(reference.size());
        assertThat(clients(url)).containsAll(ATTACKERS);
        assertThat(count(url, "SELECT count(*) FROM alerts WHERE detected_at <> '2026-11-29T08:00:00Z'")).isZero();

        // The alerts topic (at-least-once): every reference id at least once, nothing else, keyed by client.
        List<ConsumerRecord<String, String>> records = KAFKA.readAll(alertsTopic, reference.size(), WAIT);
        Set<String> onKafka = new TreeSet<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode a = Json.read(r.value());
            onKafka.add(a.get("alert_id").asText());
            assertThat(r.key()).isEqualTo(a.get("client_id").asText());
        }
        assertThat(onKafka).as("alert ids on the alerts topic vs the uninterrupted run")
                .containsExactlyInAnyOrderElementsOf(reference);
        // No failure happened, so at-least-once delivered each alert once: the restored job resumed at
        // the savepoint's offsets and did not re-read part 1.
        assertThat(records).as("records on the alerts topic").hasSize(reference.size());
    }

    /**
     * The database goes away while the monitor runs and comes back a few seconds later. The JDBC sink
     * fails, the job restarts (fixed delay) from its last completed checkpoint until the database
     * answers again, and replays the events since: PostgreSQL ends with exactly the alerts of the
     * uninterrupted run, none lost, none doubled. The outage is a {@link TcpProxy} in front of the
     * real server that drops every connection and refuses new ones.
     */
    @Test
    void aDatabaseOutageLosesNoAlert(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        World world = world();
        Set<String> reference = world.referenceAlerts().ids();
        Set<String> expectedPart1 = world.referenceAlerts().beforeSplit();
        String eventsTopic = KAFKA.createTopic("events-outage", PARTITIONS);
        String direct = PG.createDatabase();
        String group = "monitor-outage-" + UUID.randomUUID();
        try (TcpProxy proxy = new TcpProxy(PG.port())) {
            String viaProxy = direct.replace("localhost:" + PG.port(), "127.0.0.1:" + proxy.port());
            MonitorJob job = job(world.baseline(), Map.of(
                    "monitor.sources.kafka.topic", eventsTopic,
                    "monitor.sources.kafka.group-id", group,
                    "monitor.sources.kafka.bounded", "false",
                    "monitor.sinks.jdbc.url", viaProxy + "?connectTimeout=2&socketTimeout=5",
                    "monitor.sinks.jdbc.max-retries", "1",
                    "monitor.restart.attempts", "30",
                    "monitor.restart.delay", "1s"));
            KAFKA.produce(eventsTopic, world.referenceAlerts().part1(world.events()));
            StreamExecutionEnvironment env = env(job, null);
            job.build(env);
            JobClient run = env.executeAsync("monitor-outage");
            awaitWhileRunning(run, "the alerts of part 1 in PostgreSQL", () -> alertIds(direct).containsAll(expectedPart1));

            proxy.cut();
            KAFKA.produce(eventsTopic, world.referenceAlerts().part2(world.events()));
            awaitWhileRunning(run, "a restart of the job while the database is away", () -> failures(cluster, run.getJobID()).size() > 0);
            assertThat(failures(cluster, run.getJobID()).get(0)).as("the first failure").contains("org.postgresql");
            proxy.restore();
            awaitWhileRunning(run, "every reference alert in PostgreSQL after the outage", () -> alertIds(direct).containsAll(reference));
            awaitWhileRunning(run, "the end of " + eventsTopic + " committed by group " + group, () -> KAFKA.committedToEnd(eventsTopic, group));
            assertThat(run.getJobStatus().get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(JobStatus.RUNNING);
            run.cancel().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertThat(alertIds(direct)).as("alert ids in PostgreSQL after the outage vs the uninterrupted run")
                .containsExactlyInAnyOrderElementsOf(reference);
        assertThat(count(direct, "SELECT count(*) FROM alerts")).isEqualTo(reference.size());
    }

    /** The stack traces of the failures the job restarted from, oldest first ({@code /jobs/:id/exceptions}). */
    private static List<String> failures(ClusterClient<?> cluster, JobID job) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(cluster.getWebInterfaceURL() + "/jobs/" + job + "/exceptions")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : Json.read(r.body()).path("exceptionHistory").path("entries")) {
            out.add(0, e.path("stacktrace").asText());
        }
        return out;
    }

    /** The monitor on Kafka with a 1 s checkpoint interval and no restarts (a failure fails the test). */
    private MonitorJob job(Path baseline, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "monitor.sources.kind", "kafka",
                "monitor.sources.kafka.bootstrap", KAFKA.bootstrapServers(),
                "monitor.sources.kafka.starting-offsets", "earliest",
                "monitor.checkpoint.interval", "1s",
                "monitor.restart.attempts", "0",
                "monitor.sinks.jdbc.batch-size", "50"));
        settings.putAll(overrides);
        return new MonitorJob(Config.defaults().withAll(settings), Map.of(TrafficScenarios.MODEL_ID, baseline.toString()),
                null, CLOCK, Map.of("WARDEN_JDBC_USER", PG.user(), "WARDEN_JDBC_PASSWORD", PG.password()));
    }

    private static StreamExecutionEnvironment env(MonitorJob job, String savepoint) {
        Configuration conf = job.flinkConfiguration();
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        return env;
    }

    /**
     * Polls {@code condition} every 200 ms until it holds; fails when the deadline passes or the job
     * ends first (with its failure as the cause).
     */
    private static void awaitWhileRunning(JobClient job, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            if (condition.call()) {
                return;
            }
            JobStatus status = job.getJobStatus().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (status.isGloballyTerminalState()) {
                Throwable cause = null;
                try {
                    job.getJobExecutionResult().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    cause = e;
                }
                throw new AssertionError("job " + job.getJobID() + " ended (" + status + ") before " + what, cause);
            }
            if (System.nanoTime() > deadline) {
                job.cancel().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("no " + what + " within " + WAIT);
            }
            Thread.sleep(200);
        }
    }

    /** The job's "latest restored" checkpoint from the cluster's REST API ({@code /jobs/:id/checkpoints}). */
    private static JsonNode restoredCheckpoint(ClusterClient<?> cluster, JobID job) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(cluster.getWebInterfaceURL() + "/jobs/" + job + "/checkpoints")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body()).path("latest").path("restored");
    }

    private static Set<String> alertIds(String url) throws Exception {
        return strings(url, "SELECT alert_id FROM alerts");
    }

    private static Set<String> clients(String url) throws Exception {
        return strings(url, "SELECT DISTINCT client_id FROM alerts");
    }

    private static Set<String> strings(String url, String sql) throws Exception {
        Set<String> out = new TreeSet<>();
        try (Connection c = PG.connect(url); Statement s = c.createStatement()) {
            // Before the job has applied the migrations there is no table yet: nothing has landed.
            try (ResultSet exists = s.executeQuery("SELECT to_regclass('public.alerts') IS NOT NULL")) {
                exists.next();
                if (!exists.getBoolean(1)) {
                    return out;
                }
            }
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static long count(String url, String sql) throws Exception {
        try (Connection c = PG.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
