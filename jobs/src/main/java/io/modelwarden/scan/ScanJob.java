package io.modelwarden.scan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.config.ConfigException;
import io.modelwarden.connect.CsvSplits;
import io.modelwarden.connect.DatasetInput;
import io.modelwarden.connect.InputFormat;
import io.modelwarden.connect.JsonLinesSink;
import io.modelwarden.connect.RawRecord;
import io.modelwarden.connect.RejectedRow;
import io.modelwarden.connect.RowParser;
import io.modelwarden.connect.SinkOptions;
import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.stats.Hashing;
import io.modelwarden.stats.RunningMoments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch poisoning scan. Two Flink jobs in BATCH mode over the same input:
 *
 * <ol>
 *   <li><b>profile</b>: parse, reject malformed rows (to rejected.jsonl), and fold each parallel
 *       task's rows into a fixed-size {@link ScanProfile} (moments, quantile sketches, label counts,
 *       a seeded sample);
 *   <li>the client merges the profiles and fits the detectors on them (and on the baseline, if
 *       given): this is where thresholds are calibrated;
 *   <li><b>score</b>: parse again, score every row with the fitted detectors in parallel, group rows
 *       by duplicate key, and send findings to findings.jsonl and the configured sinks.
 * </ol>
 *
 * Memory is bounded whatever the row count: the client holds the merged profile, the fitted models
 * and the top findings; nothing collects the dataset into one place. The client then writes
 * summary.json, report.html and baseline/.
 */
public final class ScanJob {
    private static final Logger LOG = LoggerFactory.getLogger(ScanJob.class);

    public static final String FINDINGS_FILE = "findings.jsonl";
    public static final String REJECTED_FILE = "rejected.jsonl";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String REPORT_FILE = "report.html";
    public static final String BASELINE_DIR = "baseline";
    /** The Flink job names of the two passes (what {@code warden jobs} looks for on a cluster). */
    public static final String PROFILE_JOB_NAME = "warden-scan-profile";
    public static final String SCORE_JOB_NAME = "warden-scan-score";
    private static final double[] SUMMARY_RANKS = {0.01, 0.5, 0.99};

    private final ScanOptions options;
    private final Clock clock;
    private final Configuration flinkConfig;
    private final Map<String, String> env;
    /** The embedded cluster both passes of a local run share; null under flink run (and outside run()). */
    private LocalCluster local;

    public ScanJob(ScanOptions options, Clock clock, Configuration flinkConfig) {
        this(options, clock, flinkConfig, System.getenv());
    }

    /** @param env the environment the sink credentials are read from */
    public ScanJob(ScanOptions options, Clock clock, Configuration flinkConfig, Map<String, String> env) {
        this.options = options;
        this.clock = clock;
        this.flinkConfig = flinkConfig;
        this.env = Map.copyOf(env);
    }

    /** Entry point for {@code flink run -c io.modelwarden.scan.ScanJob}: the same flags as {@code warden scan}. */
    public static void main(String[] args) {
        System.exit(io.modelwarden.cli.Warden.run(prepend("scan", args)));
    }

    private static String[] prepend(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    /** Runs the scan and writes its outputs; returns the summary that summary.json holds. */
    public ObjectNode run() throws Exception {
        // Flink runs a job locally when no cluster is around (not under flink run or warden submit).
        boolean runsLocally = StreamExecutionEnvironment.getExecutionEnvironment(jobConfiguration()) instanceof LocalStreamEnvironment;
        try (LocalCluster cluster = runsLocally ? new LocalCluster(jobConfiguration(), parallelism()) : null) {
            local = cluster;
            return scan();
        } finally {
            local = null;
        }
    }

    private ObjectNode scan() throws Exception {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        DatasetInput input = DatasetInput.open(options.input(), options.labelColumn(), options.idColumn(), options.ignoredColumns(), options.csvDialect());
        SinkOptions sinks = SinkOptions.fromConfig(options.config(), env);
        LOG.info("Scan options: input={}, output={}, baseline={}, sinks: jdbc={}, kafka={}, config: {}", options.input(),
                options.output(), options.baseline(), sinks.jdbc(), sinks.kafka(), options.config().describe("scan", "kafka"));
        Path out = Path.of(options.output());
        prepareOutput(out);
        SinkHooks.beforeScan(sinks);
        if (local != null) {
            // The input and the sinks are fine: start the embedded cluster while the client reads the input's layout.
            local.startInBackground();
        }
        LOG.info("Scanning {} ({} {} file(s), {} features)", options.input(), input.files().size(), input.format(), input.schema().featureCount());

        // The files' SHA-256 reads every byte once more: on a thread of its own, while the profile pass
        // starts its cluster and reads the same files (the page cache serves the second reader).
        CompletableFuture<ObjectNode> fingerprinting = CompletableFuture.supplyAsync(() -> {
            try {
                return fingerprint(input);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, LocalCluster.ownThread("warden-fingerprint"));
        long ts = System.nanoTime();
        CsvSplits splits = csvSplits(input);
        if (splits != null) {
            LOG.info("CSV read in {} split(s) (split table in {} ms{})", splits.splits().size(), (System.nanoTime() - ts) / 1_000_000,
                    splits.followedRecords() == 0 ? "" : "; " + splits.followedRecords() + " records read one by one after a record past scan.csv.max-record-bytes");
        }

        // Pass 1: profile, and rejected.jsonl. (The scoring pass reads and parses the input again:
        // re-reading keeps memory and disk bounded. DataStream#cache of the parsed rows, tried in
        // session 6, saved nothing: Flink writes the cache through a task of its own, which cost the
        // profile pass what the scoring pass gained.)
        long t1 = System.nanoTime();
        StreamExecutionEnvironment env = environment();
        SingleOutputStreamOperator<TrainingRow> parsed = parsed(env, input, splits);
        JsonLinesSink.attach(parsed.getSideOutput(RowParser.REJECTED), out.resolve(REJECTED_FILE).toString(), new RejectedRenderer(fileNames(input)), "write-rejected");
        ProfileResult profiled = profile(input, parsed);
        ScanProfile profile = profiled.profile();
        long profileMs = (System.nanoTime() - t1) / 1_000_000;
        LOG.info("Profiled {} rows ({} rejected) in {} ms", profile.rows(), profiled.rejectedTotal(), profileMs);
        ObjectNode fingerprint = joined(fingerprinting);
        String scanId = scanId(fingerprint.get("sha256").asText());

        // Fit.
        long t2 = System.nanoTime();
        RiskPolicy risk = RiskPolicy.fromConfig(options.config());
        FindingFactory factory = new FindingFactory(scanId, risk);
        DetectorSuite suite = DetectorSuite.fit(options, input.schema(), profile, profiled.rejectedTotal(), factory);
        long fitMs = (System.nanoTime() - t2) / 1_000_000;

        // Pass 2: score.
        long t3 = System.nanoTime();
        StreamExecutionEnvironment scoreEnv = environment();
        ScoreResult scored = score(scoreEnv, parsed(scoreEnv, input, splits), suite, out, sinks);
        long scoreMs = (System.nanoTime() - t3) / 1_000_000;
        LOG.info("Scored in {} ms: {} findings", scoreMs, scored.findings().total());

        ObjectNode summary = Json.MAPPER.createObjectNode();
        summary.put("scan_id", scanId);
        summary.put("started_at", started.toString());
        summary.put("finished_at", clock.instant().toString());
        ObjectNode in = summary.putObject("input");
        in.put("path", options.input());
        in.put("format", input.format().name().toLowerCase());
        in.set("files", fingerprint.get("files"));
        ObjectNode fp = summary.putObject("fingerprint");
        fp.put("sha256", fingerprint.get("sha256").asText());
        fp.put("rows", profile.rows());
        fp.put("columns", input.schema().columns().size());
        fp.set("schema", schemaJson(input));
        ObjectNode rows = summary.putObject("rows");
        rows.put("read", profile.rows() + profiled.rejectedTotal());
        rows.put("accepted", profile.rows());
        rows.put("rejected", profiled.rejectedTotal());
        rows.set("rejected_by_reason", Json.MAPPER.valueToTree(profiled.rejected()));
        FindingStats fs = scored.findings();
        ObjectNode findings = summary.putObject("findings");
        findings.put("total", fs.total());
        findings.set("by_kind", Json.MAPPER.valueToTree(fs.byKind));
        findings.set("by_detector", Json.MAPPER.valueToTree(fs.byDetector));
        findings.set("by_priority", Json.MAPPER.valueToTree(fs.byPriority));
        summary.set("detectors", suite.detectorsJson(scored.scores(), fs.byDetector, DetectorSuite.extraCopies(scored.extras())));
        summary.set("drift", suite.driftJson());
        summary.set("labels", Json.MAPPER.valueToTree(profile.labelCounts()));
        summary.set("features", featuresJson(profile, suite.identifierLikeFeatures()));
        summary.set("categories", suite.categoriesJson());
        ObjectNode timings = summary.putObject("timings_ms");
        timings.put("profile", profileMs);
        timings.put("fit", fitMs);
        timings.put("score", scoreMs);
        timings.put("total", (System.nanoTime() - t0) / 1_000_000);

        Files.writeString(out.resolve(SUMMARY_FILE), Json.pretty(summary) + "\n");
        List<com.fasterxml.jackson.databind.JsonNode> top = new ArrayList<>();
        for (String line : fs.topFindings()) {
            top.add(Json.read(line));
        }
        ReportWriter.write(out.resolve(REPORT_FILE), summary, top);
        suite.writeBaseline(out.resolve(BASELINE_DIR), scanId, fingerprint.get("sha256").asText(), scored.extras());
        SinkHooks.afterScan(sinks, summary);
        return summary;
    }

    private static ObjectNode joined(CompletableFuture<ObjectNode> fingerprinting) throws IOException {
        try {
            return fingerprinting.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
    }

    private static void prepareOutput(Path out) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ConfigException("--output: " + out + " exists and is not a folder");
        }
        Files.createDirectories(out);
    }

    private int parallelism() {
        return options.parallelism() > 0 ? options.parallelism() : Runtime.getRuntime().availableProcessors();
    }

    private StreamExecutionEnvironment environment() {
        Configuration conf = jobConfiguration();
        StreamExecutionEnvironment env;
        if (local != null) {
            // No cluster around (not under flink run or warden submit): both passes on one embedded MiniCluster.
            env = local.environment(conf, parallelism());
        } else {
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            if (options.parallelism() > 0) {
                env.setParallelism(options.parallelism());
            }
        }
        // Every operator either copies what it keeps (the sample) or renders it at once.
        env.getConfig().enableObjectReuse();
        return env;
    }

    private Configuration jobConfiguration() {
        Configuration conf = new Configuration(flinkConfig);
        conf.set(org.apache.flink.configuration.ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Profiles carry the reference sample (a few MB); the collect sink's default batch is 2 MB.
        conf.setString("collect-sink.batch-size.max", "256mb");
        // Only an embedded MiniCluster reads this (a cluster's TaskManagers have their own
        // configuration): its shuffles stay on one machine, where LZ4 costs more than it saves.
        conf.setString("taskmanager.network.compression.codec", "NONE");
        conf.setString("taskmanager.network.batch-shuffle.compression.enabled", "false");
        // The duplicate grouping sorts about 1.4 records of ~90 bytes per row in managed memory: at
        // 1,000,000 rows it merged sorted runs with the MiniCluster's 128 MB and with 256 MB
        // (async-profiler: MergeIterator), not with 512 MB. Touched only as far as a sort needs it:
        // peak RSS of the 4,000,000-row bench scan 2.5 GB against 2.1 GB with 128 MB.
        if (!conf.containsKey("taskmanager.memory.managed.size")) {
            conf.setString("taskmanager.memory.managed.size", "512m");
        }
        return conf;
    }

    private static List<String> fileNames(DatasetInput input) {
        List<String> names = new ArrayList<>();
        for (DatasetInput.InputFile f : input.files()) {
            names.add(f.name());
        }
        return names;
    }

    /**
     * Flink configuration key, or JVM system property: the byte size of the ranges CSV files are read
     * in, in parallel ("auto", the default: total size / (4 x parallelism) within [1 MiB, 64 MiB];
     * "off": one range per file, whose records the reader spreads over the parsers). Not a scan.*
     * key: it changes how the input is read, never what a scan finds, so it stays out of the scan id.
     */
    public static final String CSV_SPLIT_BYTES = "warden.scan.csv-split-bytes";

    /** The CSV splits both passes read (null for Parquet). */
    private CsvSplits csvSplits(DatasetInput input) {
        if (input.format() != InputFormat.CSV) {
            return null;
        }
        String v = csvSplitSetting();
        long bytes = 0;
        if (v.equalsIgnoreCase("off")) {
            bytes = Long.MAX_VALUE;
        } else if (!v.equalsIgnoreCase("auto")) {
            try {
                bytes = Long.parseLong(v);
            } catch (NumberFormatException e) {
                bytes = -1;
            }
            if (bytes <= 0) {
                throw ConfigException.invalid(CSV_SPLIT_BYTES, "a positive byte count, auto or off", v);
            }
        }
        return input.csvSplits(bytes, parallelism());
    }

    private String csvSplitSetting() {
        return flinkConfig.toMap().getOrDefault(CSV_SPLIT_BYTES, System.getProperty(CSV_SPLIT_BYTES, "auto")).trim();
    }

    private SingleOutputStreamOperator<TrainingRow> parsed(StreamExecutionEnvironment env, DatasetInput input, CsvSplits splits) {
        DataStream<RawRecord> raw = input.attach(env, "read-input", splits);
        boolean fewReaders = input.hasCompressedFiles() && splits.splits().size() < parallelism();
        if (input.format() == InputFormat.CSV && (csvSplitSetting().equalsIgnoreCase("off") || fewReaders)) {
            // One reader per file (or a few compressed files): spread their records over the parsers.
            raw = raw.rebalance();
        } // else CSV byte ranges or Parquet row groups, each reader chained to its parser: no row crosses a network buffer
        return raw
                .process(new RowParser(input.schema(), input.delimiter(), options.imputeMissing(), fileNames(input)))
                .uid("parse-rows")
                .name("parse-rows");
    }

    record ProfileResult(ScanProfile profile, TreeMap<String, Long> rejected) {
        long rejectedTotal() {
            long n = 0;
            for (long v : rejected.values()) {
                n += v;
            }
            return n;
        }
    }

    private ProfileResult profile(DatasetInput input, SingleOutputStreamOperator<TrainingRow> parsed) throws Exception {
        DataStream<ScanOutput> profiles = parsed.transform("profile", TypeInformation.of(ScanOutput.class),
                        new ProfileOperator(input.schema().featureNames(), input.schema().categoryNames(), options.maxCategories(), options.referenceSampleSize(),
                                options.seed()))
                .uid("profile").name("profile");
        DataStream<ScanOutput> rejectedCounts = parsed.getSideOutput(RowParser.REJECTED)
                .transform("count-rejected", TypeInformation.of(ScanOutput.class), new CountingOperator())
                .uid("count-rejected").name("count-rejected");
        ScanProfile merged = new ScanProfile(input.schema().featureNames(), input.schema().categoryNames(), options.maxCategories(),
                options.referenceSampleSize(), options.seed());
        TreeMap<String, Long> rejected = new TreeMap<>();
        try (CloseableIterator<ScanOutput> it = profiles.union(rejectedCounts).executeAndCollect(PROFILE_JOB_NAME)) {
            while (it.hasNext()) {
                ScanOutput o = it.next();
                if (ScanOutput.PROFILE.equals(o.kind)) {
                    merged.merge(ScanProfile.fromBytes(o.payload));
                } else {
                    @SuppressWarnings("unchecked")
                    Map<String, Long> counts = Serialization.fromBytes(o.payload, TreeMap.class);
                    counts.forEach((k, v) -> rejected.merge(k, v, Long::sum));
                }
            }
        }
        return new ProfileResult(merged, rejected);
    }

    record ScoreResult(ScoreStats scores, FindingStats findings, List<ScanOutput> extras) {}

    private ScoreResult score(StreamExecutionEnvironment env, DataStream<TrainingRow> rows, DetectorSuite suite, Path out, SinkOptions sinks) throws Exception {
        ScanModel model = suite.model();
        SingleOutputStreamOperator<Finding> rowFindings = rows.transform("score-rows", TypeInformation.of(Finding.class), new ScoreOperator(model, options.topFindings()))
                .uid("score-rows").name("score-rows");
        DataStream<Finding> findings = rowFindings;
        // Each task counts the findings it makes (FindingStats, merged here): no task of parallelism 1 reads them all.
        DataStream<ScanOutput> collected = rowFindings.getSideOutput(ScoreOperator.STATS);
        DetectorSuite.DuplicateStreams duplicates = suite.duplicateFindings(rowFindings.getSideOutput(ScoreOperator.DUPLICATES), options.topFindings());
        if (duplicates != null) {
            findings = findings.union(duplicates.rows(), duplicates.rate());
            collected = collected.union(duplicates.rows().getSideOutput(DuplicateFindingsOperator.STATS), duplicates.rate().getSideOutput(DuplicateRateOperator.STATS));
        }
        // findings.jsonl has one writer (one file): the lines are rendered by the tasks that make the
        // findings, in parallel, and the writer only writes them.
        DataStream<String> lines = rowFindings.map(new FindingLine()).returns(Types.STRING).uid("render-findings").name("render-findings");
        if (duplicates != null) {
            lines = lines.union(duplicates.rows().map(new FindingLine()).returns(Types.STRING).uid("render-duplicate-findings").name("render-duplicate-findings"),
                    duplicates.rate().map(new FindingLine()).returns(Types.STRING).setParallelism(1).uid("render-duplicate-rate").name("render-duplicate-rate"));
        }
        FindingStats stats = new FindingStats(options.topFindings());
        List<Finding> datasetFindings = suite.datasetFindings();
        if (!datasetFindings.isEmpty()) {
            findings = findings.union(env.fromData(datasetFindings, TypeInformation.of(Finding.class)).name("dataset-findings"));
            List<String> datasetLines = new ArrayList<>();
            for (Finding f : datasetFindings) {
                stats.add(f);
                datasetLines.add(Json.finding(f));
            }
            lines = lines.union(env.fromData(datasetLines, Types.STRING).name("dataset-finding-lines"));
        }
        JsonLinesSink.attach(lines, out.resolve(FINDINGS_FILE).toString(), line -> line, "write-findings");
        SinkHooks.attachFindingSinks(sinks, findings);
        ScoreStats scores = new ScoreStats();
        List<ScanOutput> extras = new ArrayList<>();
        try (CloseableIterator<ScanOutput> it = collected.executeAndCollect(SCORE_JOB_NAME)) {
            while (it.hasNext()) {
                ScanOutput o = it.next();
                switch (o.kind) {
                    case ScanOutput.SCORE_STATS -> scores.merge(Serialization.fromBytes(o.payload, ScoreStats.class));
                    case ScanOutput.FINDING_STATS -> stats.merge(Serialization.fromBytes(o.payload, FindingStats.class));
                    default -> extras.add(o);
                }
            }
        }
        return new ScoreResult(scores, stats, extras);
    }

    /** SHA-256 per file and over all files and the schema; the scan id derives from it. */
    private static ObjectNode fingerprint(DatasetInput input) throws IOException {
        ObjectNode fp = Json.MAPPER.createObjectNode();
        ArrayNode files = fp.putArray("files");
        StringBuilder all = new StringBuilder();
        for (DatasetInput.InputFile f : input.files()) {
            String sha = sha256(f.path());
            ObjectNode n = files.addObject();
            n.put("path", f.path());
            n.put("sha256", sha);
            n.put("bytes", f.bytes());
            all.append(f.name()).append('=').append(sha).append(';');
        }
        all.append(input.schema().columnNames());
        fp.put("sha256", Hashing.sha256Hex(all.toString()));
        return fp;
    }

    private static String sha256(String path) throws IOException {
        org.apache.flink.core.fs.Path p = new org.apache.flink.core.fs.Path(path);
        try (java.io.InputStream in = p.getFileSystem().open(p)) {
            return Hashing.sha256Hex(in);
        }
    }

    /** Same data, same effective configuration and baseline: same scan id, so sinks upsert. */
    private String scanId(String datasetSha) {
        // Only what changes a scan's findings: its own keys and the risk policy (not monitor.*).
        String basis = datasetSha + "|" + options.config().subtree("scan") + "|" + options.config().subtree("risk") + "|" + options.baseline();
        return "scan-" + Hashing.sha256Hex(basis).substring(0, 16);
    }

    private static ArrayNode schemaJson(DatasetInput input) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (var c : input.schema().columns()) {
            ObjectNode n = arr.addObject();
            n.put("name", c.name());
            n.put("type", c.type().name());
            n.put("role", c.role().name().toLowerCase());
        }
        return arr;
    }

    private static ArrayNode featuresJson(ScanProfile p, List<String> identifierLike) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        String[] names = p.featureNames();
        for (int j = 0; j < names.length; j++) {
            RunningMoments m = p.moments(j);
            ObjectNode n = arr.addObject();
            n.put("name", names[j]);
            if (identifierLike.contains(names[j])) {
                n.put("identifier_like", true); // whole numbers, no two alike in the sample: an id as a feature
            }
            n.put("missing", p.missing(j));
            if (m.isEmpty()) {
                continue;
            }
            n.put("mean", Json.round(m.mean(), 6));
            n.put("std", Json.round(m.stddev(), 6));
            n.put("min", m.min());
            n.put("max", m.max());
            double[] q = p.sampleQuantiles(j, SUMMARY_RANKS);
            n.put("p01", Json.round(q[0], 6));
            n.put("p50", Json.round(q[1], 6));
            n.put("p99", Json.round(q[2], 6));
        }
        return arr;
    }

    /** A finding as its findings.jsonl line. */
    private static final class FindingLine implements org.apache.flink.api.common.functions.MapFunction<Finding, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String map(Finding f) {
            return Json.finding(f);
        }
    }

    /** rejected.jsonl line: {"file", "row_index", "reason", "detail", "raw"}. */
    private record RejectedRenderer(List<String> fileNames) implements JsonLinesSink.Renderer<RejectedRow> {
        @Override
        public String render(RejectedRow r) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("file", fileNames.get(r.fileIndex));
            n.put("row_index", r.rowIndex);
            n.put("reason", r.reason);
            n.put("detail", r.detail);
            n.put("raw", r.raw);
            return n.toString();
        }
    }
}
