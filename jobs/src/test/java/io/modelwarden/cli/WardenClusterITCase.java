package io.modelwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.connect.KafkaExtension;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.TrafficFiles;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code warden submit}, {@code warden jobs} and {@code warden stop} against the REST endpoint of a
 * real Flink MiniCluster, with the shaded job jar the build produced (so this runs after packaging,
 * as an ITCase): a scan submitted attached writes its outputs and is listed; a monitor submitted
 * detached reads Kafka until stopped with a savepoint and resumes from it; an unreachable cluster is
 * one line and exit code 1.
 */
class WardenClusterITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .setConfiguration(parentFirst())
            .build());

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    static final Pattern JOB_ID = Pattern.compile("Job ID: ([0-9a-f]{32})");

    static String jobmanager;
    static String jar;

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    /**
     * This cluster runs in the test JVM, whose classpath already holds every class of the job jar,
     * the Kafka client included: loading the jar child-first would define the Kafka classes twice
     * (a loader constraint violation). A real cluster has only Flink on its classpath and loads the
     * jar child-first, as usual.
     */
    static Configuration parentFirst() {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
        return conf;
    }

    @BeforeAll
    static void cluster() throws Exception {
        Configuration client = FLINK.getClientConfiguration();
        jobmanager = client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT);
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of("target"), "warden-jobs-*-flink.jar")) {
            found.forEach(jars::add);
        }
        assertThat(jars).as("the shaded job jar (mvn package)").hasSize(1);
        jar = jars.get(0).toAbsolutePath().toString();
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static List<String> jobIds(String out) {
        List<String> ids = new ArrayList<>();
        Matcher m = JOB_ID.matcher(out);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    /** The {@code warden jobs} row of one job, waiting (with a deadline) until it shows {@code state}. */
    static String awaitJob(String id, String state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Result jobs = run("jobs", "--jobmanager", jobmanager);
            assertThat(jobs.code()).as(jobs.err()).isZero();
            last = jobs.out();
            for (String line : last.lines().toList()) {
                if (line.startsWith(id) && line.contains(" " + state + " ")) {
                    return line;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " not " + state + " within " + timeout + ":\n" + last);
    }

    /**
     * Waits for a completed checkpoint of a job: then all its tasks run, and a stop-with-savepoint
     * (which needs every task running) can succeed.
     */
    static void awaitCheckpoint(Path jobCheckpoints, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(jobCheckpoints)) {
                try (DirectoryStream<Path> done = Files.newDirectoryStream(jobCheckpoints, "chk-*")) {
                    if (done.iterator().hasNext()) {
                        return;
                    }
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no completed checkpoint in " + jobCheckpoints + " within " + timeout);
    }

    @Test
    void aScanSubmittedAttachedWritesItsOutputsAndIsListed() throws Exception {
        Path csv = DatasetFiles.writeCsv(PoisonedDataset.poisoned(9, 2_000, 6, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02)), dir.resolve("train.csv"));
        Path out = dir.resolve("scan");

        Result submit = run("submit", "--jobmanager", jobmanager, "--jar", jar, "--parallelism", "2",
                "scan", "--input", csv.toString(), "--output", out.toString(), "--id-column", "id");

        assertThat(submit.code()).as(submit.err()).isZero();
        List<String> ids = jobIds(submit.out());
        assertThat(ids).hasSize(2);
        assertThat(submit.out()).contains("Finished scan on " + jobmanager + " (2 jobs)");
        assertThat(out.resolve("summary.json")).exists();
        assertThat(Files.readAllLines(out.resolve("findings.jsonl"))).isNotEmpty();
        assertThat(awaitJob(ids.get(0), "FINISHED", Duration.ofSeconds(10))).contains("warden-scan-profile");
        assertThat(awaitJob(ids.get(1), "FINISHED", Duration.ofSeconds(10))).contains("warden-scan-score");
    }

    @Test
    void aMonitorSubmittedDetachedStopsWithASavepointAndResumesFromIt() throws Exception {
        String topic = KAFKA.createTopic("events", 1);
        String[] monitor = {"monitor", "--kafka-bootstrap", KAFKA.bootstrapServers(), "--topic", topic,
            "--output", dir.resolve("monitor").toString(), "--set", "monitor.checkpoint.interval=1s"};
        List<String> first = new ArrayList<>(List.of("submit", "--jobmanager", jobmanager, "--jar", jar));
        first.addAll(List.of(monitor));

        Result submit = run(first.toArray(new String[0]));

        assertThat(submit.code()).as(submit.err()).isZero();
        assertThat(submit.out()).contains("Submitted monitor on " + jobmanager);
        String id = jobIds(submit.out()).get(0);
        assertThat(awaitJob(id, "RUNNING", Duration.ofSeconds(60))).contains("warden-monitor");
        awaitCheckpoint(dir.resolve("monitor/checkpoints").resolve(id), Duration.ofSeconds(60));

        Result stop = run("stop", "--jobmanager", jobmanager, "--savepoint-dir", dir.resolve("savepoints").toUri().toString(), id);
        assertThat(stop.code()).as(stop.err()).isZero();
        String savepoint = stop.out().strip().replace("Savepoint: ", "");
        assertThat(new File(java.net.URI.create(savepoint))).exists();
        awaitJob(id, "FINISHED", Duration.ofSeconds(30));

        List<String> resume = new ArrayList<>(List.of("submit", "--jobmanager", jobmanager, "--jar", jar, "--savepoint", savepoint));
        resume.addAll(List.of(monitor));
        Result resumed = run(resume.toArray(new String[0]));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        String resumedId = jobIds(resumed.out()).get(0);
        awaitJob(resumedId, "RUNNING", Duration.ofSeconds(60));
        awaitCheckpoint(dir.resolve("monitor/checkpoints").resolve(resumedId), Duration.ofSeconds(60));
        assertThat(run("stop", "--jobmanager", jobmanager, "--savepoint-dir", dir.resolve("savepoints").toUri().toString(), resumedId).code())
                .isZero();
    }

    @Test
    void anUnreachableClusterIsOneLineAndExitOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String nowhere = "127.0.0.1:" + port;

        Result jobs = run("jobs", "--jobmanager", nowhere);
        Result submit = run("submit", "--jobmanager", nowhere, "--jar", jar, "monitor", "--events", dir.toString());

        for (Result r : List.of(jobs, submit)) {
            assertThat(r.code()).isEqualTo(Warden.EXIT_FAILED);
            assertThat(r.err().strip().lines()).hasSize(1);
            assertThat(r.err()).startsWith("warden: cannot reach the Flink REST endpoint at " + nowhere);
        }
    }

    @Test
    void badClusterFlagsAreUsageErrors() {
        Result noPort = run("jobs", "--jobmanager", "flink-jobmanager");
        assertThat(noPort.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(noPort.err().strip()).isEqualTo("warden: --jobmanager must be HOST:PORT of the cluster's REST endpoint, was 'flink-jobmanager'");

        Result detachedScan = run("submit", "--jobmanager", jobmanager, "--jar", jar, "--detached", "scan", "--input", "x", "--output", "y");
        assertThat(detachedScan.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(detachedScan.err()).contains("--detached");

        Result other = run("submit", "--jobmanager", jobmanager, "--jar", jar, "bench");
        assertThat(other.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(other.err()).contains("scan or monitor");
    }
}
