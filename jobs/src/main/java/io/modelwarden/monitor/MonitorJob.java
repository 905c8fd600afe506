package io.modelwarden.monitor;

import io.modelwarden.baseline.Baseline;
import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.connect.AlertSinks;
import io.modelwarden.connect.EventSourceOptions;
import io.modelwarden.connect.EventSources;
import io.modelwarden.connect.Migrations;
import io.modelwarden.connect.MonitorSinkOptions;
import io.modelwarden.connect.RejectedEventSinks;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.MonitorDurations;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.detect.serving.SplitAccountSettings;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.detect.serving.StatefulKnnDetector;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.risk.RiskPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming serving monitor: events (a JSONL replay or Kafka) -> parse (malformed events to the
 * rejected outputs) -> event time (bounded out-of-orderness, source idleness) -> {@link
 * MonitorPipeline} -> alerts (alerts.jsonl, PostgreSQL, Kafka). Checkpointing is on by default, the
 * heap state backend by default and RocksDB by configuration; operator uids are stable.
 */
public final class MonitorJob {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorJob.class);
    /** The Flink job name (what {@code warden jobs} looks for on a cluster). */
    public static final String JOB_NAME = "warden-monitor";
    public static final String PARSE_UID = "parse-events";
    public static final String EVENT_TIME_UID = "event-time";

    private final Config config;
    private final Map<String, String> baselineByModel;
    private final String baselineForEveryModel;
    private final Clock clock;
    private final Map<String, String> env;

    /**
     * @param baselineByModel model id to a scan's baseline/ folder
     * @param baselineForEveryModel a baseline/ folder for models not named, or null
     */
    public MonitorJob(Config config, Map<String, String> baselineByModel, String baselineForEveryModel, Clock clock, Map<String, String> env) {
        this.config = config;
        this.baselineByModel = Map.copyOf(baselineByModel);
        this.baselineForEveryModel = baselineForEveryModel;
        this.clock = clock;
        this.env = Map.copyOf(env);
        DetectorCatalog.validate(config);
    }

    /** Entry point for {@code flink run -c io.modelwarden.monitor.MonitorJob}: the flags of {@code warden monitor}. */
    public static void main(String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = "monitor";
        System.arraycopy(args, 0, all, 1, args.length);
        System.exit(io.modelwarden.cli.Warden.run(all));
    }

    /** Builds the job graph on {@code env} (tests) without executing it. */
    public void build(StreamExecutionEnvironment flink) {
        build(flink, EventSources.attach(flink, EventSourceOptions.fromConfig(config, env)));
    }

    /** Builds the job graph over {@code raw} event lines from a source of the caller's. */
    public void build(StreamExecutionEnvironment flink, DataStream<String> raw) {
        Map<String, ServingBaseline> baselines = new LinkedHashMap<>();
        Map<String, Integer> dims = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : baselineByModel.entrySet()) {
            ServingBaseline b = ServingBaseline.of(e.getKey(), Baseline.read(Path.of(e.getValue())));
            baselines.put(e.getKey(), b);
            dims.put(e.getKey(), b.dimensions());
        }
        ServingBaseline every = baselineForEveryModel == null ? null : ServingBaseline.of("*", Baseline.read(Path.of(baselineForEveryModel)));
        DetectorCatalog catalog = DetectorCatalog.build(config, baselines, every);
        LOG.info("Monitor detectors: {}; stateful_knn distances: {}", catalog.describe(), StatefulKnnDetector.distanceKernel());

        MonitorSinkOptions sinks = MonitorSinkOptions.fromConfig(config, env);
        // The source (configured or the caller's) logs its own options, masked the same way.
        LOG.info("Monitor options: baselines={}, baseline for every model={}, sinks: {}, config: {}", baselineByModel,
                baselineForEveryModel, sinks, config.describe("monitor", "kafka"));
        if (sinks.jdbc() != null) {
            LOG.info("PostgreSQL schema up to date ({} migration(s) applied)", Migrations.apply(sinks.jdbc()));
        }
        SingleOutputStreamOperator<InferenceEvent> parsed = raw
                .process(new EventParser(dims, every == null ? -1 : every.dimensions()), InferenceEventSerializer.TYPE)
                .uid(PARSE_UID)
                .name(PARSE_UID);
        RejectedEventSinks.attach(parsed.getSideOutput(EventParser.REJECTED), sinks);

        Duration outOfOrder = MonitorDurations.get(config, "monitor.watermark.out-of-orderness");
        Duration idleness = MonitorDurations.get(config, "monitor.watermark.idleness");
        DataStream<InferenceEvent> events = parsed
                .assignTimestampsAndWatermarks(WatermarkStrategy.<InferenceEvent>forBoundedOutOfOrderness(outOfOrder)
                        .withTimestampAssigner((SerializableTimestampAssigner<InferenceEvent>) (e, t) -> e.timestampMillis)
                        .withIdleness(idleness))
                .uid(EVENT_TIME_UID)
                .name(EVENT_TIME_UID);

        RiskPolicy risk = RiskPolicy.fromConfig(config);
        MonitorPipeline pipeline = new MonitorPipeline(catalog, new SplitAccountTracker(SplitAccountSettings.fromConfig(config)),
                new AlertFactory(risk, clock), new AlertSuppression(AlertSettings.fromConfig(config)), risk);
        DataStream<Alert> alerts = pipeline.apply(events);
        AlertSinks.attach(alerts, sinks);
    }

    /** The Flink configuration the monitor runs with (checkpointing, state backend, restarts). */
    public Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // Keyed state is split into this many key groups; a savepoint restores only into the same
        // number, so it is set explicitly rather than derived from the first run's parallelism.
        int maxParallelism = config.getInt("monitor.max-parallelism");
        if (maxParallelism < 1 || maxParallelism > 32_768) {
            throw ConfigException.invalid("monitor.max-parallelism", "in [1, 32768]", maxParallelism);
        }
        if (config.getInt("monitor.parallelism") > maxParallelism) {
            throw ConfigException.invalid("monitor.max-parallelism", ">= monitor.parallelism (" + config.getInt("monitor.parallelism") + ")", maxParallelism);
        }
        conf.set(PipelineOptions.MAX_PARALLELISM, maxParallelism);
        String every = config.getString("monitor.checkpoint.interval").trim();
        if (!every.equals("0") && !every.equals("0s")) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, MonitorDurations.get(config, "monitor.checkpoint.interval"));
        }
        String dir = config.getString("monitor.checkpoint.directory").trim();
        if (!dir.isEmpty()) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        }
        String backend = config.getString("monitor.state-backend").trim();
        if (!backend.equals("hashmap") && !backend.equals("rocksdb")) {
            throw ConfigException.invalid("monitor.state-backend", "hashmap or rocksdb", "'" + backend + "'");
        }
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, config.getInt("monitor.restart.attempts"));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, MonitorDurations.get(config, "monitor.restart.delay"));
        return conf;
    }

    /**
     * Without a configured checkpoint directory (neither {@code monitor.checkpoint.directory} nor the
     * cluster's {@code execution.checkpointing.dir}) Flink keeps checkpoints in the JobManager's
     * memory, which fails past a few MiB of state. A local run then checkpoints under the output
     * folder (or the temp folder); a cluster should configure a shared path.
     */
    private void defaultCheckpointDirectory(StreamExecutionEnvironment flink) {
        if (flink.getConfiguration().getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isPresent()) {
            return;
        }
        String out = config.getString("monitor.sinks.file.dir").trim();
        Path base = out.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir"), "warden") : Path.of(out);
        String dir = base.toAbsolutePath().resolve("checkpoints").toUri().toString();
        LOG.warn("No checkpoint directory configured (monitor.checkpoint.directory): checkpointing to {}", dir);
        Configuration extra = new Configuration();
        extra.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        flink.configure(extra);
    }

    /** Builds and runs the job (until the bounded input ends, or until stopped). */
    public JobExecutionResult run() throws Exception {
        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration());
        defaultCheckpointDirectory(flink);
        int parallelism = config.getInt("monitor.parallelism");
        if (parallelism < 0) {
            throw ConfigException.invalid("monitor.parallelism", ">= 0", parallelism);
        }
        if (parallelism > 0) {
            flink.setParallelism(parallelism);
        }
        build(flink);
        return flink.execute(JOB_NAME);
    }
}
