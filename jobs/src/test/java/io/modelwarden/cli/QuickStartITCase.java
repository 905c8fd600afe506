package io.modelwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start as a user types it: {@code bin/warden scan} of the shipped sample dataset,
 * then {@code bin/warden monitor} of the shipped traffic against its baseline, each a new JVM started
 * by the launcher on the jar and the local classpath that {@code package} wrote. This is what the
 * in-process CLI tests cannot see: the launcher script, its classpath file (a dependency dropped from
 * the provided scope breaks only this) and the JVM flags.
 */
class QuickStartITCase {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Run(int code, String out) {}

    static Run warden(String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add("bash");
        pb.command().add(ROOT.resolve("bin/warden").toString());
        pb.command().addAll(List.of(args));
        pb.directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("WARDEN_NO_BUILD", "1");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void scanThenMonitorTheShippedSamplesThroughTheLauncher() throws Exception {
        Path scan = dir.resolve("sample-scan");
        Run s = warden("scan", "--input", "samples/training.csv", "--output", scan.toString());
        assertThat(s.code()).as(s.out()).isZero();
        assertThat(s.out()).contains(scan.resolve("report.html").toString());
        JsonNode summary = Json.read(Files.readString(scan.resolve("summary.json")));
        assertThat(summary.get("rows").get("read").asLong()).isEqualTo(4_000);
        assertThat(Files.readAllLines(scan.resolve("findings.jsonl"))).isNotEmpty();
        // The sample holds every kind of poison the README names, and the quick start finds each (its id
        // column is not named with --id-column: a text column, which copies under new ids need not share).
        JsonNode byKind = summary.get("findings").get("by_kind");
        for (String kind : List.of("OUTLIER", "LABEL_FLIP", "DUPLICATE", "BACKDOOR")) {
            assertThat(byKind.path(kind).asLong()).as(kind).isPositive();
        }
        assertThat(scan.resolve("baseline")).isDirectory();

        Path monitor = dir.resolve("sample-monitor");
        Run m = warden("monitor", "--events", "samples/traffic.jsonl", "--baseline", scan.resolve("baseline").toString(),
                "--output", monitor.toString());
        assertThat(m.code()).as(m.out()).isZero();
        List<String> alerts = Files.readAllLines(monitor.resolve("alerts.jsonl"));
        assertThat(alerts).isNotEmpty();
        assertThat(alerts).anyMatch(a -> Json.read(a).get("client_id").asText().startsWith("attacker-"));
    }
}
