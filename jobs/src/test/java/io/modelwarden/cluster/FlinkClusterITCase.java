package io.modelwarden.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.cluster.FlinkSessionCluster.CliResult;
import io.modelwarden.connect.KafkaExtension;
import io.modelwarden.connect.PostgresExtension;
import io.modelwarden.json.Json;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.monitor.ReferenceAlerts;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.TrafficFiles;
import io.modelwarden.synth.TrafficScenarios;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shaded job jar submitted with Flink's own command line ({@code flink run}) to a real session
 * cluster: a JobManager and a TaskManager as separate processes ({@link FlinkSessionCluster}),
 * writing into a real PostgreSQL and a real Kafka broker, checked with real third-party clients
 * (Debian's {@code psql} and {@code kcat}).
 *
 * <p>What a MiniCluster hides and this catches: the jar's packaging and service files, class
 * loading (user code child-first in its own class loader, Flink and Hadoop from the cluster's lib/),
 * the serialization of every operator and sink across processes, the CLI's own handling of the
 * programs (exit codes, detached submission, stop-with-savepoint) and the shipped cluster
 * configuration (the Prometheus reporter).
 *
 * <ol>
 *   <li>scan: a poisoned Parquet dataset, attached; the run and its findings land in PostgreSQL,
 *       and its baseline/ is the monitor's.
 *   <li>monitor: a reference run (bounded, attached) over the whole traffic stream; then the live
 *       job (detached) over the first part, its own metrics on the TaskManager's Prometheus
 *       endpoint, {@code flink stop} with a savepoint, the second part, a resubmission from the
 *       savepoint; PostgreSQL ({@code psql}) and the alerts topic ({@code kcat}) must hold exactly
 *       the reference's alert ids.
 * </ol>
 *
 * The tests run in order: the monitor reads the baseline the scan on the cluster wrote.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterITCase {
    static final long SEED = 2026;
    static final int FEATURES = 8;
    static final int TRAINING_ROWS = 3_000;
    static final int BENIGN_CLIENTS = 15;
    static final int PARTITIONS = 2;
    static final Duration WAIT = Duration.ofSeconds(90);
    static final Set<String> ATTACKERS = Set.of("attacker-extraction", "attacker-boundary", "attacker-near-duplicates");
    static final String SCAN = "io.modelwarden.scan.ScanJob";
    static final String MONITOR = "io.modelwarden.monitor.MonitorJob";
    /**
     * How the Prometheus reporter names the monitor's own counter {@code eventsObserved} of the
     * {@code warden} group (README "Metrics"): Flink's scope, the group, the name.
     */
    static final String EVENTS_OBSERVED = "flink_taskmanager_job_task_operator_warden_eventsObserved";
    static final String ALERTS_EMITTED = "flink_taskmanager_job_task_operator_warden_alertsEmitted";

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    static final FlinkSessionCluster FLINK = new FlinkSessionCluster();

    /** The baseline/ folder the scan on the cluster wrote (test 1), the monitor's (test 2). */
    static Path baseline;

    @BeforeAll
    static void thirdPartyClients() {
        ExternalClients.require("psql", "postgresql-client");
        ExternalClients.require("kcat", "kcat");
    }

    @Test
    @Order(1)
    void scanOfAParquetDatasetWritesItsRunAndFindingsIntoPostgres() throws Exception {
        Path data = FLINK.folder("scan-input");
        Path parquet = DatasetFiles.writeParquet(PoisonedDataset.poisoned(SEED, TRAINING_ROWS, FEATURES,
                new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02)), data.resolve("train.parquet"));
        Path out = FLINK.folder("scan-output");
        String url = PG.createDatabase();

        // Credentials go to the client only: the sinks run on the TaskManager, which has no such
        // variables, so this also proves they travel inside the job graph.
        CliResult scan = FLINK.flink(credentials(), "run", "-c", SCAN, FLINK.jobJar().toString(),
                "--input", parquet.toString(), "--output", out.toString(),
                "--label-column", "label", "--id-column", "id", "--parallelism", "2", "--jdbc-url", url);

        assertThat(scan.exitCode()).as("flink run %s:%n%s", SCAN, scan.output()).isZero();
        JsonNode summary = Json.read(Files.readString(out.resolve("summary.json")));
        String scanId = summary.path("scan_id").asText();
        long findings = summary.path("findings").path("total").asLong();
        assertThat(findings).isPositive();
        assertThat(Files.readAllLines(out.resolve("findings.jsonl"))).hasSize((int) findings);
        assertThat(ExternalClients.psql(url, PG.user(), PG.password(), "SELECT scan_id, rows_read FROM scan_runs"))
                .containsExactly(scanId + "|" + TRAINING_ROWS);
        assertThat(ExternalClients.psql(url, PG.user(), PG.password(),
                "SELECT count(*) FROM findings WHERE scan_id = '" + scanId + "'"))
                .containsExactly(Long.toString(findings));
        baseline = out.resolve("baseline");
        assertThat(baseline.resolve("baseline.json")).exists();
    }

    @Test
    @Order(2)
    void monitorAcrossStopWithSavepointLosesAndDuplicatesNoAlert() throws Exception {
        assertThat(baseline).as("the baseline of the scan on the cluster (the test before)").isNotNull();
        List<InferenceEvent> events = recent(TrafficFiles.sample(SEED, FEATURES, TRAINING_ROWS, BENIGN_CLIENTS));
        ReferenceAlerts.assertOneClientPerIp(events);

        // Reference: the whole stream, one uninterrupted bounded run on the cluster, into alerts.jsonl.
        String referenceTopic = KAFKA.createTopic("events-reference", PARTITIONS);
        KAFKA.produce(referenceTopic, events);
        Path referenceDir = FLINK.folder("monitor-reference");
        CliResult reference = FLINK.flink(Map.of(), runMonitor(List.of(), referenceTopic, "reference-" + UUID.randomUUID(),
                List.of("--output", referenceDir.toString(), "--set", "monitor.sources.kafka.bounded=true")));
        assertThat(reference.exitCode()).as("reference run:%n%s", reference.output()).isZero();
        ReferenceAlerts expected = ReferenceAlerts.read(referenceDir.resolve("alerts.jsonl"));
        Set<String> beforeSplit = expected.beforeSplit();

        // Act 1: part 1 on the events topic; the live job, detached, until part 1's alerts are in PostgreSQL.
        String eventsTopic = KAFKA.createTopic("events", PARTITIONS);
        String alertsTopic = KAFKA.createTopic("alerts", PARTITIONS);
        String url = PG.createDatabase();
        String group = "monitor-" + UUID.randomUUID();
        List<String> live = List.of("--jdbc-url", url, "--alerts-topic", alertsTopic,
                "--set", "monitor.state-backend=rocksdb", "--set", "monitor.sinks.jdbc.batch-size=50");
        KAFKA.produce(eventsTopic, expected.part1(events));
        CliResult first = FLINK.flink(credentials(), runMonitor(List.of("-d"), eventsTopic, group, live));
        assertThat(first.exitCode()).as("flink run -d:%n%s", first.output()).isZero();
        String firstJob = first.jobId();
        awaitWhileRunning(firstJob, "the alerts of part 1 in PostgreSQL", () -> alertIds(url).containsAll(beforeSplit));

        // The job's own counters on the TaskManager's Prometheus endpoint (the shipped reporter).
        HttpResponse<String> exposition = FLINK.get(FLINK.taskManagerMetrics());
        Files.writeString(FLINK.folder("metrics").resolve("taskmanager.prom"), exposition.body());
        Map<String, Double> observed = metric(exposition, EVENTS_OBSERVED);
        assertThat(observed).as("%s on %s", EVENTS_OBSERVED, FLINK.taskManagerMetrics()).isNotEmpty();
        assertThat(observed.values().stream().mapToDouble(Double::doubleValue).sum()).isPositive();
        Map<String, Double> emitted = metric(exposition, ALERTS_EMITTED);
        assertThat(emitted).as("%s on %s", ALERTS_EMITTED, FLINK.taskManagerMetrics()).isNotEmpty();
        assertThat(emitted.values().stream().mapToDouble(Double::doubleValue).sum()).isPositive();
        assertThat(metric(FLINK.get(FLINK.jobManagerMetrics()), "flink_jobmanager_numRegisteredTaskManagers"))
                .as("on %s", FLINK.jobManagerMetrics()).containsValue(1.0);

        CliResult stop = FLINK.flink(Map.of(), "stop", "--savepointPath", FLINK.folder("savepoints").toUri().toString(), firstJob);
        assertThat(stop.exitCode()).as("flink stop:%n%s", stop.output()).isZero();
        String savepoint = stop.savepoint();
        assertThat(FLINK.rest("/jobs/" + firstJob).path("state").asText()).isEqualTo("FINISHED");
        Set<String> afterPart1 = alertIds(url);

        // Act 2: the rest of the stream; the same program resubmitted from the savepoint, until its
        // group has committed the end of every partition.
        KAFKA.produce(eventsTopic, expected.part2(events));
        CliResult second = FLINK.flink(credentials(), runMonitor(List.of("-d", "-s", savepoint), eventsTopic, group, live));
        assertThat(second.exitCode()).as("flink run -d -s:%n%s", second.output()).isZero();
        String secondJob = second.jobId();
        awaitWhileRunning(secondJob, "the end of " + eventsTopic + " committed by group " + group,
                () -> KAFKA.committedToEnd(eventsTopic, group));
        JsonNode restored = FLINK.rest("/jobs/" + secondJob + "/checkpoints").path("latest").path("restored");
        assertThat(restored.path("is_savepoint").asBoolean()).as("restored: %s", restored).isTrue();
        assertThat(restored.path("external_path").asText()).as("restored: %s", restored).isEqualTo(savepoint);
        CliResult cancel = FLINK.flink(Map.of(), "cancel", secondJob);
        assertThat(cancel.exitCode()).as("flink cancel:%n%s", cancel.output()).isZero();

        // Assert: PostgreSQL (psql) holds exactly the reference alerts; the primary key rules out duplicates.
        assertThat(afterPart1).as("alert ids in PostgreSQL when stopped with the savepoint").isEqualTo(beforeSplit);
        assertThat(alertIds(url)).as("alert ids in PostgreSQL vs the uninterrupted run")
                .containsExactlyInAnyOrderElementsOf(expected.ids());
        assertThat(ExternalClients.psql(url, PG.user(), PG.password(), "SELECT DISTINCT client_id FROM alerts")).containsAll(ATTACKERS);

        // The alerts topic (kcat): every reference id, nothing else, each once (no failure happened, so
        // the at-least-once sink delivered once: the restored job did not re-read part 1), keyed by client.
        List<String[]> records = ExternalClients.kcat(KAFKA.bootstrapServers(), alertsTopic);
        Set<String> onKafka = new TreeSet<>();
        for (String[] keyAndValue : records) {
            JsonNode a = Json.read(keyAndValue[1]);
            onKafka.add(a.get("alert_id").asText());
            assertThat(keyAndValue[0]).isEqualTo(a.get("client_id").asText());
        }
        assertThat(onKafka).as("alert ids on the alerts topic vs the uninterrupted run")
                .containsExactlyInAnyOrderElementsOf(expected.ids());
        assertThat(records).as("records on the alerts topic").hasSize(expected.ids().size());
    }

    /**
     * {@code flink run RUN_FLAGS -c MonitorJob JAR ...} for the monitor on Kafka: 1 s checkpoints, no
     * restarts (a failure fails the test), plus {@code extra} monitor flags.
     */
    private static String[] runMonitor(List<String> runFlags, String topic, String group, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(runFlags);
        args.addAll(List.of("-c", MONITOR, FLINK.jobJar().toString(),
                "--kafka-bootstrap", KAFKA.bootstrapServers(), "--topic", topic, "--group-id", group,
                "--baseline", TrafficScenarios.MODEL_ID + "=" + baseline, "--parallelism", "2",
                "--set", "monitor.checkpoint.interval=1s", "--set", "monitor.restart.attempts=0"));
        args.addAll(extra);
        return args.toArray(String[]::new);
    }

    private static Map<String, String> credentials() {
        return Map.of("WARDEN_JDBC_USER", PG.user(), "WARDEN_JDBC_PASSWORD", PG.password());
    }

    /**
     * The events moved in time so that the last one is now (order and spacing kept): a broker with
     * default retention deletes records dated far in the past (STACK.md G5), and the alerts sink
     * dates its records by event time.
     */
    private static List<InferenceEvent> recent(List<InferenceEvent> events) {
        long shift = System.currentTimeMillis() - events.get(events.size() - 1).timestampMillis;
        events.forEach(e -> e.timestampMillis += shift);
        return events;
    }

    /**
     * Polls {@code condition} every 500 ms until it holds; fails when the deadline passes or the job
     * leaves RUNNING (with the job's exception history from the REST API).
     */
    private static void awaitWhileRunning(String job, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.call()) {
            String state = FLINK.rest("/jobs/" + job).path("state").asText();
            if (!state.equals("RUNNING") && !state.equals("CREATED") && !state.equals("INITIALIZING")) {
                throw new AssertionError("job " + job + " is " + state + " before " + what + ": "
                        + FLINK.rest("/jobs/" + job + "/exceptions").path("exceptionHistory"));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + WAIT);
            }
            Thread.sleep(500);
        }
    }

    /** The alert ids in PostgreSQL, read with psql; empty before the client has applied the migrations. */
    private static Set<String> alertIds(String url) throws Exception {
        List<String> exists = ExternalClients.psql(url, PG.user(), PG.password(), "SELECT to_regclass('public.alerts') IS NOT NULL");
        if (!exists.equals(List.of("t"))) {
            return Set.of();
        }
        return new TreeSet<>(ExternalClients.psql(url, PG.user(), PG.password(), "SELECT alert_id FROM alerts"));
    }

    /** The samples of one metric in a Prometheus text exposition: labels to value. */
    static Map<String, Double> metric(HttpResponse<String> exposition, String name) {
        assertThat(exposition.statusCode()).isEqualTo(200);
        Map<String, Double> out = new java.util.TreeMap<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(exposition.body());
        while (m.find()) {
            out.put(m.group(1) == null ? "" : m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }
}
