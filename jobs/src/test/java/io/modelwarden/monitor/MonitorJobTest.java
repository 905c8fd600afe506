package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.cli.Warden;
import io.modelwarden.json.Json;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.TrafficFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code warden scan} of a training set, then {@code warden monitor} of traffic against the model of
 * that data, through the CLI on a MiniCluster: attackers alerted, malformed events rejected with
 * their reasons, bad flags stop with exit code 2.
 */
class MonitorJobTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void scanThenMonitorAlertsTheAttackersAndRejectsMalformedEvents() throws Exception {
        long seed = 77;
        Path training = DatasetFiles.writeCsv(PoisonedDataset.clean(seed, 3_000, 8), dir.resolve("train.csv"));
        Path scan = dir.resolve("scan");
        assertThat(run("scan", "--input", training.toString(), "--output", scan.toString(), "--parallelism", "2").code()).isZero();

        Path events = TrafficFiles.write(TrafficFiles.sample(seed, 8, 3_000, 15), dir.resolve("traffic.jsonl"));
        Files.writeString(events, String.join("\n",
                "{not json",
                "{\"event_id\":\"x1\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"model_id\":\"credit-v1\",\"client_id\":\"c\",\"source_ip\":\"1.2.3.4\",\"features\":[1,2,3]}",
                "{\"event_id\":\"x2\",\"model_id\":\"credit-v1\",\"client_id\":\"c\",\"source_ip\":\"1.2.3.4\",\"features\":[1,2,3,4,5,6,7,8]}",
                "") , StandardOpenOption.APPEND);
        Path out = dir.resolve("monitor");
        Result r = run("monitor", "--events", events.toString(), "--baseline", scan.resolve("baseline").toString(),
                "--output", out.toString(), "--parallelism", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("alerts.jsonl");

        Set<String> alerted = new TreeSet<>();
        for (String line : Files.readAllLines(out.resolve("alerts.jsonl"))) {
            JsonNode a = Json.read(line);
            alerted.add(a.get("client_id").asText());
            assertThat(a.get("event_time").asText()).endsWith("Z");
        }
        assertThat(alerted).contains("attacker-extraction", "attacker-boundary", "attacker-near-duplicates");
        long benign = alerted.stream().filter(c -> c.startsWith("benign")).count();
        assertThat(benign).as("benign clients alerted: %s", alerted).isLessThanOrEqualTo(1);

        // The same replay on the RocksDB state backend (every state POJO through Flink's serializers)
        // gives the same alerts.
        Path onRocks = dir.resolve("monitor-rocksdb");
        Result rocks = run("monitor", "--events", events.toString(), "--baseline", scan.resolve("baseline").toString(),
                "--output", onRocks.toString(), "--parallelism", "2", "--set", "monitor.state-backend=rocksdb");
        assertThat(rocks.code()).as(rocks.err()).isZero();
        assertThat(alertIds(onRocks)).isEqualTo(alertIds(out));

        List<String> reasons = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("rejected.jsonl"))) {
            reasons.add(Json.read(line).get("reason").asText());
        }
        assertThat(reasons).containsExactlyInAnyOrder("bad json", "wrong feature count", "missing field");
    }

    static Set<String> alertIds(Path out) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (String line : Files.readAllLines(out.resolve("alerts.jsonl"))) {
            ids.add(Json.read(line).get("alert_id").asText());
        }
        return ids;
    }

    @Test
    void badMonitorFlagsStopWithExitTwo() {
        Result none = run("monitor", "--output", dir.toString());
        assertThat(none.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(none.err().strip().lines()).hasSize(1);
        assertThat(none.err()).contains("--events", "--kafka-bootstrap");

        Result missing = run("monitor", "--events", dir.resolve("nope.jsonl").toString());
        assertThat(missing.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(missing.err()).contains("--events", "nope.jsonl");

        Result badKey = run("monitor", "--events", dir.toString(), "--set", "monitor.state-backend=floppy");
        assertThat(badKey.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(badKey.err()).contains("monitor.state-backend", "floppy");

        Result belowParallelism = run("monitor", "--events", dir.toString(), "--set", "monitor.max-parallelism=4", "--set", "monitor.parallelism=8");
        assertThat(belowParallelism.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(belowParallelism.err().strip().lines()).hasSize(1);
        assertThat(belowParallelism.err()).contains("monitor.max-parallelism", ">= monitor.parallelism (8)");
    }

    @Test
    void maxParallelismIsSetExplicitly() {
        var job = new MonitorJob(io.modelwarden.config.Config.defaults(), java.util.Map.of(), null, java.time.Clock.systemUTC(), java.util.Map.of());
        assertThat(job.flinkConfiguration().get(org.apache.flink.configuration.PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
    }
}
