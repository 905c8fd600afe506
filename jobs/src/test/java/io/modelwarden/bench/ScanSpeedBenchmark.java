package io.modelwarden.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.cli.Warden;
import io.modelwarden.json.Json;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The same scan run several times in one JVM, as {@code warden scan} runs it (every detector on, an
 * embedded MiniCluster per run): the first run pays for the JVM's warm-up (class loading, the JIT
 * compiling Flink's and the detectors' code, a third of the CPU of a 1,000,000-row scan on 2 cores);
 * later runs show what a warm process gives, as on a session cluster whose TaskManagers ran a scan
 * before. Prints, per run, the scan's time from summary.json (both passes and the fit; no JVM start),
 * rows per second overall and per core, and the process CPU time the run took.
 *
 * <p>Usage: {@code ScanSpeedBenchmark INPUT OUTPUT_PREFIX PARALLELISM RUNS} (bin/bench speed runs it).
 */
public final class ScanSpeedBenchmark {
    private ScanSpeedBenchmark() {}

    public static void main(String[] args) throws Exception {
        String input = args[0];
        String prefix = args[1];
        int parallelism = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int run = 1; run <= runs; run++) {
            Path out = Path.of(prefix + "-run" + run);
            long cpu0 = os.getProcessCpuTime();
            int code = Warden.run(new String[] {"scan", "--input", input, "--output", out.toString(), "--parallelism", Integer.toString(parallelism)});
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("scan exited with " + code);
            }
            JsonNode summary = Json.read(Files.readString(out.resolve("summary.json")));
            long rows = summary.path("rows").path("read").asLong();
            double secs = summary.path("timings_ms").path("total").asLong() / 1000.0;
            double rate = rows / secs;
            System.out.printf(Locale.ROOT, "%-10s %11s rows %8.1f s %,11.0f rows/s %,10.0f rows/s/core   CPU %6.1f s %,9.0f rows per CPU-second%n",
                    run == 1 ? "cold" : "warm " + run, String.format(Locale.ROOT, "%,d", rows), secs, rate, rate / parallelism, cpu, rows / cpu);
        }
    }
}
