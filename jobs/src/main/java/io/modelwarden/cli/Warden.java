package io.modelwarden.cli;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.scan.ScanJob;
import io.modelwarden.scan.ScanOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code warden} command. Exit codes: 0 done, 1 the job failed, 2 a bad flag, configuration or
 * input (one line on stderr naming the key or path and the problem).
 */
@Command(
        name = "warden",
        mixinStandardHelpOptions = true,
        version = "Model Warden 0.1.0",
        description = "Detects attacks on machine-learning systems: poisoned training data (scan) and abuse of serving APIs (monitor).",
        subcommands = {Warden.Scan.class, Warden.Monitor.class, Db.class, Warden.Submit.class, Warden.Jobs.class, Warden.Stop.class})
public final class Warden implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The process environment (tests pass their own): where {@code db} finds its credentials. */
    final Map<String, String> env;

    public Warden() {
        this(System.getenv());
    }

    Warden(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, System.getenv(), args);
    }

    /** As {@link #run(PrintWriter, PrintWriter, String...)} with {@code env} as the environment. */
    public static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
        CommandLine cli = new CommandLine(new Warden(env));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("warden: " + ex.getMessage() + " (see: " + commandName(ex) + " --help)");
            return EXIT_USAGE;
        });
        cli.getSubcommands().get("submit").setStopAtPositional(true);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof FlinkCluster.ClusterException) {
                err.println("warden: " + ex.getMessage());
                return EXIT_FAILED;
            }
            Throwable exit = ex;
            while (exit != null && !(exit instanceof SubmittedJob.Exit)) {
                exit = exit.getCause();
            }
            if (exit != null) {
                return ((SubmittedJob.Exit) exit).code; // the submitted command printed its own error
            }
            Throwable root = ex;
            while (root != null && !(root instanceof ConfigException)) {
                root = root.getCause();
            }
            if (root != null) {
                err.println("warden: " + root.getMessage());
                return EXIT_USAGE;
            }
            err.println("warden: the job failed: " + describe(ex));
            ex.printStackTrace(err);
            return EXIT_FAILED;
        });
        return cli.execute(args);
    }

    /** "warden scan", "warden db migrate": the command whose --help to suggest. */
    private static String commandName(CommandLine.ParameterException ex) {
        return ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return EXIT_USAGE;
    }

    /** Flags shared by every subcommand: configuration and single-key overrides. */
    static class ConfigFlags {
        @Option(names = "--config", paramLabel = "FILE", description = "A YAML file that replaces conf/warden.yaml (keys it leaves out keep their defaults).")
        Path config;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key, e.g. --set scan.detectors.isolation-forest.trees=200. Repeatable.")
        Map<String, String> overrides = new LinkedHashMap<>();

        Config resolve(Map<String, String> flagKeys) {
            Config c = config == null ? Config.defaults() : Config.load(config);
            c = c.withAll(overrides);
            return c.withAll(flagKeys);
        }
    }

    @Command(
            name = "scan",
            mixinStandardHelpOptions = true,
            description = {
                "Scans a training dataset (a CSV or Parquet file, or a folder of them) for data poisoning: outliers, label flips,"
                        + " duplicates, backdoor triggers, schema breaks and drift against a baseline. Runs as a Flink batch job"
                        + " (locally on an embedded MiniCluster, or with flink run on a cluster).",
                "Writes DIR/findings.jsonl, rejected.jsonl, summary.json, report.html and baseline/."
            },
            sortOptions = false)
    static final class Scan implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--input", required = true, paramLabel = "PATH", description = "A .csv (with a header row; .csv.gz, .csv.bz2, .csv.deflate: compressed) or .parquet file, or a folder of them.")
        String input;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for the outputs (created if missing; files in it are replaced).")
        String output;

        @Option(names = "--label-column", paramLabel = "NAME", description = "Label column (default: scan.label-column = label).")
        String labelColumn;

        @Option(names = "--id-column", paramLabel = "NAME", description = "Row id column (default: none, the row id is the row's position).")
        String idColumn;

        @Option(names = "--ignore-columns", paramLabel = "A,B", description = "Columns that are neither features nor category columns (string columns, counted and checked against a baseline).")
        String ignoreColumns;

        @Option(names = "--baseline", paramLabel = "DIR", description = "The baseline/ folder of an earlier trusted scan: enables drift and schema checks against it, and judges copies, "
                + "label flips, trigger rules and outliers against what it already held (its poison too: give only a baseline you trust).")
        String baseline;

        @Option(names = "--parallelism", paramLabel = "N", description = "Parallel tasks (default: scan.parallelism; 0 = all cores locally).")
        Integer parallelism;

        @Option(names = "--jdbc-url", paramLabel = "URL", description = "Also write the run and its findings to PostgreSQL (credentials from WARDEN_JDBC_USER / WARDEN_JDBC_PASSWORD).")
        String jdbcUrl;

        @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", description = "Also write one JSON record per finding to Kafka.")
        String kafkaBootstrap;

        @Option(names = "--kafka-topic", paramLabel = "NAME", description = "Kafka topic for findings (default: scan.sinks.kafka.topic = warden-findings).")
        String kafkaTopic;

        @CommandLine.Mixin
        ConfigFlagsMixin flags = new ConfigFlagsMixin();

        @Override
        public Integer call() throws Exception {
            Map<String, String> keys = new LinkedHashMap<>();
            put(keys, "scan.label-column", labelColumn);
            put(keys, "scan.id-column", idColumn);
            put(keys, "scan.ignore-columns", ignoreColumns);
            put(keys, "scan.parallelism", parallelism == null ? null : parallelism.toString());
            put(keys, "scan.sinks.jdbc.url", jdbcUrl);
            put(keys, "scan.sinks.kafka.bootstrap", kafkaBootstrap);
            put(keys, "scan.sinks.kafka.topic", kafkaTopic);
            Config config = flags.resolve(keys);
            ScanOptions options = ScanOptions.of(input, output, baseline, config);
            new ScanJob(options, Clock.systemUTC(), new Configuration()).run();
            spec.commandLine().getOut().println("Report: " + Path.of(output).toAbsolutePath().resolve(ScanJob.REPORT_FILE));
            return EXIT_OK;
        }

        static void put(Map<String, String> keys, String key, String value) {
            if (value != null) {
                keys.put(key, value);
            }
        }
    }

    @Command(
            name = "monitor",
            mixinStandardHelpOptions = true,
            description = {
                "Monitors model-serving traffic (inference events, one JSON object per line or Kafka record) per model and client"
                        + " for model stealing, adversarial queries, membership inference, model inversion, explanation abuse and"
                        + " denial of service. Runs as a Flink streaming job (locally on an embedded MiniCluster, or with flink run).",
                "--events replays a file or folder and stops at its end; --kafka-bootstrap with --topic reads Kafka until stopped."
            },
            sortOptions = false)
    static final class Monitor implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--events", paramLabel = "PATH", description = "A .jsonl file or a folder of them to replay (bounded).")
        String events;

        @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", description = "Read events from Kafka instead (runs until stopped).")
        String kafkaBootstrap;

        @Option(names = "--topic", paramLabel = "NAME", description = "Kafka topic of the events (default: monitor.sources.kafka.topic = warden-events).")
        String topic;

        @Option(names = "--group-id", paramLabel = "ID", description = "Kafka consumer group (default: warden-monitor).")
        String groupId;

        @Option(names = "--output", paramLabel = "DIR", description = "Write alerts.jsonl and rejected.jsonl here.")
        String output;

        @Option(names = "--baseline", paramLabel = "DIR|MODEL=DIR", description = "A scan's baseline/ folder for every model (DIR), or for one model (MODEL=DIR, repeatable).")
        java.util.List<String> baselines = new java.util.ArrayList<>();

        @Option(names = "--jdbc-url", paramLabel = "URL", description = "Also upsert alerts into PostgreSQL (credentials from WARDEN_JDBC_USER / WARDEN_JDBC_PASSWORD).")
        String jdbcUrl;

        @Option(names = "--alerts-topic", paramLabel = "NAME", description = "Also write alerts to this Kafka topic (on --kafka-bootstrap), keyed by client.")
        String alertsTopic;

        @Option(names = "--parallelism", paramLabel = "N", description = "Parallel tasks (default: monitor.parallelism; 0 = all cores locally).")
        Integer parallelism;

        @CommandLine.Mixin
        ConfigFlagsMixin flags = new ConfigFlagsMixin();

        @Override
        public Integer call() throws Exception {
            if ((events == null) == (kafkaBootstrap == null)) {
                throw new ConfigException("monitor: give exactly one of --events PATH or --kafka-bootstrap HOST:PORT");
            }
            if (alertsTopic != null && kafkaBootstrap == null) {
                throw new ConfigException("--alerts-topic needs --kafka-bootstrap");
            }
            if (events != null && !java.nio.file.Files.exists(Path.of(events)) && !events.contains("://")) {
                throw new ConfigException("--events: no such file or folder: " + events);
            }
            Map<String, String> keys = new LinkedHashMap<>();
            if (events != null) {
                keys.put("monitor.sources.kind", "file");
                keys.put("monitor.sources.file.path", events);
            } else {
                keys.put("monitor.sources.kind", "kafka");
                keys.put("monitor.sources.kafka.bootstrap", kafkaBootstrap);
                Scan.put(keys, "monitor.sources.kafka.topic", topic);
                Scan.put(keys, "monitor.sources.kafka.group-id", groupId);
            }
            Scan.put(keys, "monitor.sinks.file.dir", output);
            Scan.put(keys, "monitor.sinks.jdbc.url", jdbcUrl);
            if (alertsTopic != null) {
                keys.put("monitor.sinks.kafka.bootstrap", kafkaBootstrap);
                keys.put("monitor.sinks.kafka.topic", alertsTopic);
            }
            Scan.put(keys, "monitor.parallelism", parallelism == null ? null : parallelism.toString());
            Config config = flags.resolve(keys);
            Map<String, String> byModel = new LinkedHashMap<>();
            String every = null;
            for (String b : baselines) {
                int eq = b.indexOf('=');
                if (eq > 0) {
                    byModel.put(b.substring(0, eq), b.substring(eq + 1));
                } else if (every == null) {
                    every = b;
                } else {
                    throw new ConfigException("--baseline: only one baseline without MODEL= (for every model), got " + every + " and " + b);
                }
            }
            if (output != null) {
                java.nio.file.Files.createDirectories(Path.of(output));
            }
            new io.modelwarden.monitor.MonitorJob(config, byModel, every, Clock.systemUTC(), System.getenv()).run();
            if (output != null) {
                spec.commandLine().getOut().println("Alerts: " + Path.of(output).toAbsolutePath().resolve("alerts.jsonl"));
            }
            return EXIT_OK;
        }
    }

    /** picocli mixin form of {@link ConfigFlags}. */
    static final class ConfigFlagsMixin extends ConfigFlags {}

    static List<String> commands() {
        return List.of("scan", "monitor", "db", "submit", "jobs", "stop");
    }

    /** The cluster commands (submit, jobs, stop): a {@code --jobmanager} flag and their output. */
    abstract static class ClusterCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--jobmanager", required = true, paramLabel = "HOST:PORT", description = "The Flink cluster's REST endpoint (the address of its web UI), e.g. flink-jobmanager:8081.")
        String jobmanager;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(
            name = "submit",
            mixinStandardHelpOptions = true,
            description = {
                "Submits the job jar to a remote Flink cluster through its REST endpoint, as flink run does, and prints the job ids."
                        + " The job's flags follow its name, as for warden scan / warden monitor.",
                "scan runs attached (its client collects the profiles and writes summary.json, report.html and baseline/ on this"
                        + " machine, so --output must be a path this machine and the cluster share); monitor is submitted detached.",
                "Example: warden submit --jobmanager flink:8081 monitor --kafka-bootstrap kafka:9092 --alerts-topic warden-alerts"
            },
            sortOptions = false)
    static final class Submit extends ClusterCommand {
        @Option(names = "--jar", paramLabel = "FILE", description = "The job jar (default: $WARDEN_JAR, set by bin/warden to jobs/target/warden-jobs-*-flink.jar).")
        java.io.File jar;

        @Option(names = "--detached", description = "Return once submitted (the default for monitor; scan cannot run detached).")
        boolean detached;

        @Option(names = "--attached", description = "Wait until the monitor job ends (scan always waits).")
        boolean attached;

        @Option(names = "--savepoint", paramLabel = "PATH", description = "Resume from this savepoint (monitor: after warden stop).")
        String savepoint;

        @Option(names = "--parallelism", paramLabel = "N", description = "Default parallelism of the submitted job (the cluster's parallelism.default otherwise).")
        Integer parallelism;

        @CommandLine.Parameters(index = "0", paramLabel = "scan|monitor", description = "The job.")
        String job;

        @CommandLine.Parameters(index = "1..*", paramLabel = "ARGS", description = "The job's flags, as for warden scan / warden monitor.")
        List<String> jobArgs = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!job.equals("scan") && !job.equals("monitor")) {
                throw ConfigException.invalid("submit", "followed by scan or monitor", "'" + job + "'");
            }
            if (detached && attached) {
                throw new ConfigException("submit: give at most one of --detached and --attached");
            }
            if (job.equals("scan") && detached) {
                throw new ConfigException("submit scan: --detached is not possible, the scan's client collects its results");
            }
            if (parallelism != null && parallelism <= 0) {
                throw ConfigException.invalid("--parallelism", "> 0", parallelism);
            }
            java.io.File jobJar = jobJar();
            FlinkCluster target = FlinkCluster.at(jobmanager);
            List<String> args = new java.util.ArrayList<>();
            args.add(job);
            args.addAll(jobArgs);
            boolean wait = job.equals("scan") || attached;
            List<org.apache.flink.api.common.JobID> ids = target.submit(jobJar, wait, savepoint, parallelism, args);
            for (org.apache.flink.api.common.JobID id : ids) {
                out().println("Job ID: " + id.toHexString());
            }
            out().println((wait ? "Finished " : "Submitted ") + job + " on " + target.address()
                    + " (" + ids.size() + " job" + (ids.size() == 1 ? "" : "s") + ")");
            return EXIT_OK;
        }

        private java.io.File jobJar() {
            java.io.File file = jar;
            if (file == null) {
                String fromEnv = System.getenv("WARDEN_JAR");
                if (fromEnv == null || fromEnv.isBlank()) {
                    throw new ConfigException("--jar: give the job jar (jobs/target/warden-jobs-*-flink.jar; bin/warden sets WARDEN_JAR)");
                }
                file = new java.io.File(fromEnv);
            }
            if (!file.isFile()) {
                throw new ConfigException("--jar: no such file: " + file);
            }
            return file;
        }
    }

    @Command(
            name = "jobs",
            mixinStandardHelpOptions = true,
            description = "Lists Model Warden's jobs on a Flink cluster (warden-scan-profile, warden-scan-score, warden-monitor): id, name, state, start time (UTC) and duration, newest first.")
    static final class Jobs extends ClusterCommand {
        @Override
        public Integer call() throws Exception {
            List<FlinkCluster.Job> jobs = FlinkCluster.at(jobmanager).jobs();
            PrintWriter out = out();
            String format = "%-32s  %-19s  %-11s  %-20s  %s%n";
            out.printf(format, "JOB ID", "NAME", "STATE", "START (UTC)", "DURATION");
            for (FlinkCluster.Job j : jobs) {
                String start = j.startMillis() <= 0 ? "-" : java.time.Instant.ofEpochMilli(j.startMillis()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
                out.printf(format, j.id(), j.name(), j.state(), start, duration(j.durationMillis()));
            }
            out.flush();
            return EXIT_OK;
        }

        static String duration(long millis) {
            if (millis < 0) {
                return "-";
            }
            long s = millis / 1000;
            return s >= 3600 ? String.format("%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60)
                    : s >= 60 ? String.format("%dm %02ds", s / 60, s % 60) : String.format("%.1fs", millis / 1000.0);
        }
    }

    @Command(
            name = "stop",
            mixinStandardHelpOptions = true,
            description = "Stops a job on a Flink cluster with a final savepoint (resume it with warden submit --savepoint PATH); prints the savepoint's path.")
    static final class Stop extends ClusterCommand {
        @Option(names = "--savepoint-dir", required = true, paramLabel = "DIR", description = "Where the savepoint goes (a path the cluster can write, e.g. s3://bucket/warden/savepoints).")
        String savepointDir;

        @CommandLine.Parameters(index = "0", paramLabel = "JOBID", description = "The job's id (see warden jobs).")
        String jobId;

        @Override
        public Integer call() throws Exception {
            String path = FlinkCluster.at(jobmanager).stopWithSavepoint(jobId, savepointDir);
            out().println("Savepoint: " + path);
            return EXIT_OK;
        }
    }
}
