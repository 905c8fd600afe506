package io.modelwarden.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.json.Json;
import io.modelwarden.monitor.MonitorJob;
import io.modelwarden.scan.ScanJob;
import io.modelwarden.scan.ScanOptions;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;

/** Shared steps of the monitor benchmarks: scan a training CSV for a baseline, run the monitor job, read alerts. */
final class MonitorBenchSupport {
    private MonitorBenchSupport() {}

    /**
     * Writes {@code PoisonedDataset.clean(seed, rows, features)} as CSV and scans it with the real
     * ScanJob (what a user does); returns the scan's {@code baseline/} folder. Cached by name.
     */
    static Path scannedBaseline(Path dir, String name, long seed, int rows, int features) throws Exception {
        Path out = dir.resolve("scan-" + name);
        Path baseline = out.resolve("baseline");
        if (Files.isDirectory(baseline)) {
            return baseline;
        }
        Path csv = DatasetFiles.writeCsv(PoisonedDataset.clean(seed, rows, features), dir.resolve("train-" + name + ".csv"));
        Config c = Config.defaults().with("scan.id-column", "id");
        new ScanJob(ScanOptions.of(csv.toString(), out.toString(), null, c), Clock.systemUTC(), new Configuration()).run();
        return baseline;
    }

    /** Runs the whole MonitorJob (file source of {@code events}, parse, detectors, alerts.jsonl) with the configuration {@code c}. */
    static JobExecutionResult runMonitor(Path events, Map<String, String> baselineByModel, String baselineForEvery, Path out, Config c)
            throws Exception {
        Files.createDirectories(out);
        // The default (monitor.checkpoint.directory empty) is Flink's JobManager memory storage, whose
        // 5 MiB per-state limit a few hundred clients already exceed: the job then fails after
        // repeated checkpoint failures. The benchmarks checkpoint to a local folder, as production would.
        Config config = c.with("monitor.checkpoint.directory", out.toAbsolutePath().resolve("checkpoints").toUri().toString())
                .with("monitor.sinks.file.dir", out.toString());
        if (events != null) { // null: the source configured in c (e.g. Kafka)
            config = config.with("monitor.sources.kind", "file").with("monitor.sources.file.path", events.toString());
        }
        return new MonitorJob(config, baselineByModel, baselineForEvery, Clock.systemUTC(), System.getenv()).run();
    }

    static List<JsonNode> readAlerts(Path out) throws Exception {
        List<JsonNode> alerts = new ArrayList<>();
        Path f = out.resolve("alerts.jsonl");
        if (!Files.exists(f)) {
            return alerts;
        }
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    alerts.add(Json.read(line));
                }
            }
        }
        return alerts;
    }

    static String uptime() {
        try {
            String[] la = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "load average " + la[0] + ", " + la[1] + ", " + la[2] + " (1/5/15 min) on " + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (Exception e) {
            return "load average unknown";
        }
    }
}
