package io.modelwarden.bench;

import io.modelwarden.baseline.Baseline;
import io.modelwarden.config.Config;
import io.modelwarden.connect.KafkaExtension;
import io.modelwarden.connect.AlertSinks;
import io.modelwarden.connect.MonitorSinkOptions;
import io.modelwarden.connect.RejectedEventSinks;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.MonitorDurations;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.detect.serving.SplitAccountSettings;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.json.InferenceEvents;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.monitor.ClientState;
import io.modelwarden.monitor.DetectorCatalog;
import io.modelwarden.monitor.EventParser;
import io.modelwarden.monitor.MonitorJob;
import io.modelwarden.monitor.MonitorPipeline;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.synth.TrafficScenarios;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Speed of the streaming monitor, three figures:
 *
 * <ol>
 *   <li><b>Throughput</b>: N pre-generated events (default 1,000,000; 10,000 clients, half on a model
 *       with 8 features and half on one with 30, each model with a baseline from a real ScanJob of a
 *       5,000-row training CSV; 6% of clients are attackers so the alert paths run) as a folder of
 *       one JSONL file per core (a client's events all in one file, in event-time order), through the
 *       whole {@link MonitorJob}: file source, parse, event time, every detector, IP guard,
 *       alerts.jsonl and rejected.jsonl sinks, heap state backend, checkpointing on (default 30 s
 *       interval, to a local folder), MiniCluster with parallelism = cores. events/s = N / the job's
 *       net runtime (includes job start-up and the final checkpoint-free drain). An unmeasured run
 *       first warms the JVM: a cold first run spends about as much CPU in the JIT compiler as in the
 *       job (the JVM's compiler statistics gave 28.6 s of compilation in a 46 s run), which had made
 *       whichever run came first look twice as slow. Flink takes the first periodic checkpoint at a
 *       random time within the 30 s interval, so a run this short takes none, one or two; a
 *       checkpointing-off run and one checkpointing every 2 s show what snapshotting the heap state
 *       costs. Then the same job reading the events from a Kafka topic (an in-JVM broker
 *       pre-loaded with them, read bounded), also measured after an unmeasured run of its own.
 *   <li><b>Event-to-alert latency</b> at half the measured rate: the same job graph (same parser,
 *       MonitorPipeline and alert sinks) fed by a rate-limited source: a sequence source with a
 *       pacing map (parallelism 1, like one Kafka partition) replays the generated lines at a fixed
 *       rate and stamps each line's timestamp with the wall clock at the moment it enters the job, so
 *       an alert's event_time is the wall time its last event entered the job. A pass-through map
 *       chained to the alerts.jsonl sink (both parallelism 1, after the last network exchange)
 *       records wall time minus event_time per alert: the time the sink's writer receives it. The
 *       file writer is buffered and flushed at checkpoints, so a reader of the file may see it later.
 *   <li><b>State per active client</b>: each detector run directly on one client's events (benign at
 *       1 qps, and three attack kinds), then its state object serialized with the keyed state's
 *       serializer ({@code StateSerializer}: what checkpoints and RocksDB hold; the heap backend keeps
 *       live objects, typically larger). Plus the per-IP state of the IP guard (Flink's POJO serializer).
 * </ol>
 *
 * <pre>bin/bench monitor-speed [EVENTS [CLIENTS [LATENCY_SECONDS]]]</pre>
 */
public final class MonitorSpeedBenchmark {
    private MonitorSpeedBenchmark() {}

    static final String M8 = "model-d8";
    static final String M30 = "model-d30";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int latencySeconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        int cores = Runtime.getRuntime().availableProcessors();
        Path dir = Path.of(System.getenv().getOrDefault("BENCH_DIR", System.getProperty("java.io.tmpdir") + "/warden-monitor-bench"));
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "Monitor speed: %,d events, %,d clients, models with 8 and 30 features, %d cores; %s%n", n, clients, cores,
                MonitorBenchSupport.uptime());
        System.out.println("(numbers are noisy: the machine is shared with another engineer's test runs; see the load averages)");

        Path b8 = MonitorBenchSupport.scannedBaseline(dir, "d8", 21, 5_000, 8);
        Path b30 = MonitorBenchSupport.scannedBaseline(dir, "d30", 22, 5_000, 30);
        Map<String, String> baselines = Map.of(M8, b8.toString(), M30, b30.toString());
        TrafficScenarios t8 = new TrafficScenarios(21, 8, 5_000);
        TrafficScenarios t30 = new TrafficScenarios(22, 30, 5_000);

        Path events = dir.resolve("events-v2-" + n + "-" + clients + "-p" + cores);
        if (!Files.isDirectory(events)) {
            long g = System.nanoTime();
            generate(events, n, clients, cores, t8, t30);
            System.out.printf(Locale.ROOT, "generated %s in %.0f s%n", events, (System.nanoTime() - g) / 1e9);
        }

        // 1. Throughput of the whole MonitorJob.
        System.out.printf(Locale.ROOT, "%nTHROUGHPUT whole MonitorJob (file source of %d files, parse, event time, detectors, ip-guard, heap state,"
                + " checkpoints every 30 s to a local folder, alerts.jsonl)%n", cores);
        long warm = System.nanoTime();
        MonitorBenchSupport.runMonitor(events, baselines, null, dir.resolve("out-warm-up"), Config.defaults().with("monitor.parallelism", String.valueOf(cores)));
        System.out.printf(Locale.ROOT, "  warm-up run (JIT compilation; not measured): %.1f s wall%n", (System.nanoTime() - warm) / 1e9);
        double rate = throughput("every detector on (defaults)", events, baselines, dir.resolve("out-throughput"), n, cores, Config.defaults());
        Config none = Config.defaults();
        for (String d : List.of("prada", "stateful-knn", "boundary", "rate.similarity", "explanation", "rate", "blacklight", "coverage", "membership",
                "inversion")) {
            none = none.with("monitor.detectors." + d + ".enabled", "false");
        }
        throughput("every detector off (pipeline floor)", events, baselines, dir.resolve("out-floor"), n, cores, none);
        throughput("every detector on, checkpointing off (diagnostic)", events, baselines,
                dir.resolve("out-no-checkpoints"), n, cores, Config.defaults().with("monitor.checkpoint.interval", "0s"));
        throughput("every detector on, checkpoints every 2 s (diagnostic: the cost of snapshotting the heap state)", events, baselines,
                dir.resolve("out-checkpoints-2s"), n, cores, Config.defaults().with("monitor.checkpoint.interval", "2s"));
        kafkaThroughput(events, baselines, dir.resolve("out-kafka"), n, cores);

        // 2. Event-to-alert latency at half the measured rate.
        double half = rate / 2;
        latency(events, baselines, dir.resolve("out-latency"), half, latencySeconds, n);

        // 3. State per active client.
        System.out.printf(Locale.ROOT, "%nSTATE PER ACTIVE CLIENT at the defaults (the keyed state's serializer, StateSerializer, of each state class, bytes)%n");
        stateSizes(M8, b8, t8);
        stateSizes(M30, b30, t30);
        System.out.printf(Locale.ROOT, "%ndone; %s%n", MonitorBenchSupport.uptime());
    }

    /** Runs the MonitorJob once; prints events/s by the job's net runtime and by the JVM's CPU time. */
    static double throughput(String name, Path events, Map<String, String> baselines, Path out, int n, int cores, Config c) throws Exception {
        return throughput(name, events, baselines, out, n, cores, c, java.util.Set.of());
    }

    /**
     * As above; the CPU time of {@code otherThreads} (an in-JVM broker's, say) during the run is also
     * printed apart, with events per CPU-second of the rest of the JVM.
     */
    static double throughput(String name, Path events, Map<String, String> baselines, Path out, int n, int cores, Config c, java.util.Set<Long> otherThreads)
            throws Exception {
        deleteTree(out);
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Long> otherCpu0 = new java.util.HashMap<>();
        for (long id : otherThreads) {
            otherCpu0.put(id, Math.max(0, threads.getThreadCpuTime(id)));
        }
        String before = MonitorBenchSupport.uptime();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long w = System.nanoTime();
        JobExecutionResult r = MonitorBenchSupport.runMonitor(events, baselines, null, out, c.with("monitor.parallelism", String.valueOf(cores)));
        double wall = (System.nanoTime() - w) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        double net = r.getNetRuntime() / 1000.0;
        long alerts = MonitorBenchSupport.readAlerts(out).size();
        double rate = n / net;
        System.out.printf(Locale.ROOT, "  %s:%n    %,d events in %.1f s (job net runtime; %.1f s wall with graph build) = %,.0f events/s overall, %,.0f events/s per core"
                + " (target 50,000/s per core: %s); %,d alerts%n", name, n, net, wall, rate, rate / cores, rate / cores >= 50_000 ? "met" : "MISSED", alerts);
        System.out.printf(Locale.ROOT, "    JVM CPU time %.1f s = %,.0f events per CPU-second (all threads: tasks, GC, JIT, checkpoints; less sensitive to the"
                + " other engineer's load than wall time)%n", cpu, n / cpu);
        if (!otherThreads.isEmpty()) {
            long other = 0;
            for (Map.Entry<Long, Long> e : otherCpu0.entrySet()) {
                other += Math.max(0, threads.getThreadCpuTime(e.getKey()) - e.getValue()); // -1 once a thread has ended
            }
            double otherSecs = other / 1e9;
            System.out.printf(Locale.ROOT, "    of which the broker's threads %.1f CPU-s; the rest of the JVM (the job, GC, JIT) %.1f CPU-s = %,.0f events per"
                    + " CPU-second (target 50,000: %s)%n", otherSecs, cpu - otherSecs, n / (cpu - otherSecs), n / (cpu - otherSecs) >= 50_000 ? "met" : "MISSED");
        }
        System.out.printf(Locale.ROOT, "    load before: %s; after: %s%n", before, MonitorBenchSupport.uptime());
        return rate;
    }

    /**
     * The same job reading the events from Kafka: an in-JVM broker ({@code KafkaClusterTestKit}, one
     * node) is pre-loaded with the generated files (file f to partition f, so each client's events stay
     * in order in one partition), then the monitor reads the topic bounded from the earliest offsets.
     * The broker serves from the same JVM and cores, so its fetch work is inside the measured time;
     * its threads' CPU time is also printed apart (on a cluster the broker runs elsewhere).
     */
    static void kafkaThroughput(Path events, Map<String, String> baselines, Path out, int n, int cores) throws Exception {
        KafkaExtension kafka = new KafkaExtension();
        kafka.beforeAll(null);
        try {
            String topic = kafka.createTopic("warden-bench-events", cores);
            long load = System.nanoTime();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            long sent = 0;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
                    var files = Files.list(events)) {
                int partition = 0;
                for (Path f : files.sorted().toList()) {
                    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            producer.send(new ProducerRecord<>(topic, partition % cores, null, line));
                            sent++;
                        }
                    }
                    partition++;
                }
                producer.flush();
            }
            System.out.printf(Locale.ROOT, "  kafka: %,d events loaded into %d partitions in %.0f s (lz4 batches)%n", sent, cores, (System.nanoTime() - load) / 1e9);
            Config c = Config.defaults()
                    .with("monitor.sources.kind", "kafka")
                    .with("monitor.sources.kafka.bootstrap", kafka.bootstrapServers())
                    .with("monitor.sources.kafka.topic", topic)
                    .with("monitor.sources.kafka.starting-offsets", "earliest")
                    .with("monitor.sources.kafka.bounded", "true");
            // The threads alive now (the broker's, this one and idle leftovers) are not the job's: their
            // CPU during the run is printed apart.
            java.util.Set<Long> before = new java.util.HashSet<>();
            for (long id : java.lang.management.ManagementFactory.getThreadMXBean().getAllThreadIds()) {
                if (id != Thread.currentThread().getId()) {
                    before.add(id);
                }
            }
            // As for the file: an unmeasured run first, so that the JIT has compiled the Kafka source's
            // path (the consumer, its decompression, the record emitter) before the measured run.
            long warm = System.nanoTime();
            MonitorBenchSupport.runMonitor(null, baselines, null, out.resolveSibling(out.getFileName() + "-warm-up"), c.with("monitor.parallelism", String.valueOf(cores)));
            System.out.printf(Locale.ROOT, "  kafka warm-up run (JIT compilation; not measured): %.1f s wall%n", (System.nanoTime() - warm) / 1e9);
            throughput("every detector on, reading the Kafka topic (bounded, earliest offsets; broker in this JVM)", null, baselines, out, n, cores, c, before);
        } finally {
            kafka.afterAll(null);
        }
    }

    // ---- generation ----

    /** One JSONL file per core; client c goes to file (c / 2) % files, each file in event-time order. */
    static void generate(Path folder, int n, int clients, int files, TrafficScenarios t8, TrafficScenarios t30) throws Exception {
        Path tmp = folder.resolveSibling(folder.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        int perClient = Math.max(1, n / clients);
        int extra = n - perClient * clients;
        List<List<InferenceEvent>> parts = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            parts.add(new ArrayList<>());
        }
        SplittableRandom r = new SplittableRandom(99);
        for (int c = 0; c < clients; c++) {
            boolean wide = c % 2 == 1;
            TrafficScenarios t = wide ? t30 : t8;
            String model = wide ? M30 : M8;
            int q = perClient + (c < extra ? 1 : 0);
            String id = "c" + c;
            List<InferenceEvent> ev = switch (c % 50) {
                case 7 -> t.uniformExtraction(id, q, c);
                case 23 -> t.nearDuplicates(id, q, 0.05, c);
                case 41 -> t.hopSkipJump(id, q, c);
                default -> t.benign(id, q, 0.1, c);
            };
            long shift = r.nextInt(3_600_000);
            String ip = "10." + (c / 62_500) + "." + (c / 250 % 250) + "." + (c % 250 + 1);
            for (InferenceEvent e : ev) {
                e.modelId = model;
                e.sourceIp = ip;
                if (c % 50 == 7 || c % 50 == 23 || c % 50 == 41) {
                    e.timestampMillis += shift;
                }
            }
            parts.get((c / 2) % files).addAll(ev); // both models in every file: equal-sized files
        }
        for (int f = 0; f < files; f++) {
            List<InferenceEvent> p = parts.get(f);
            p.sort((x, y) -> Long.compare(x.timestampMillis, y.timestampMillis));
            try (BufferedWriter wr = Files.newBufferedWriter(tmp.resolve("part-" + f + ".jsonl"), StandardCharsets.UTF_8)) {
                for (InferenceEvent e : p) {
                    wr.write(InferenceEvents.write(e));
                    wr.write('\n');
                }
            }
            parts.set(f, null);
        }
        Files.move(tmp, folder);
    }

    // ---- latency ----

    static final ConcurrentLinkedQueue<long[]> LATENCIES = new ConcurrentLinkedQueue<>();
    static volatile long firstStamp;
    static volatile long lastStamp;
    static volatile long stamped;

    static void latency(Path events, Map<String, String> baselines, Path out, double rate, int seconds, int n) throws Exception {
        deleteTree(out);
        Files.createDirectories(out);
        long count = Math.min(n, (long) (rate * seconds));
        Config config = Config.defaults()
                .with("monitor.parallelism", String.valueOf(Runtime.getRuntime().availableProcessors()))
                .with("monitor.checkpoint.directory", out.toAbsolutePath().resolve("checkpoints").toUri().toString())
                .with("monitor.sinks.file.dir", out.toString());
        MonitorJob job = new MonitorJob(config, baselines, null, Clock.systemUTC(), System.getenv());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job.flinkConfiguration());
        env.setParallelism(config.getInt("monitor.parallelism"));

        // The graph of MonitorJob.build with a rate-limited source instead of the file source.
        Map<String, ServingBaseline> bs = new LinkedHashMap<>();
        Map<String, Integer> dims = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : baselines.entrySet()) {
            ServingBaseline b = ServingBaseline.of(e.getKey(), Baseline.read(Path.of(e.getValue())));
            bs.put(e.getKey(), b);
            dims.put(e.getKey(), b.dimensions());
        }
        DetectorCatalog catalog = DetectorCatalog.build(config, bs, null);
        MonitorSinkOptions sinks = MonitorSinkOptions.fromConfig(config, System.getenv());
        DataStream<String> raw = env.fromSequence(0, count - 1).setParallelism(1).name("sequence")
                .map(new PacedLines(events.toString(), rate, count)).setParallelism(1).name("paced-replay");
        SingleOutputStreamOperator<InferenceEvent> parsed = raw.process(new EventParser(dims, -1), io.modelwarden.monitor.InferenceEventSerializer.TYPE).uid(MonitorJob.PARSE_UID).name(MonitorJob.PARSE_UID);
        RejectedEventSinks.attach(parsed.getSideOutput(EventParser.REJECTED), sinks);
        DataStream<InferenceEvent> ev = parsed.assignTimestampsAndWatermarks(WatermarkStrategy
                        .<InferenceEvent>forBoundedOutOfOrderness(MonitorDurations.get(config, "monitor.watermark.out-of-orderness"))
                        .withTimestampAssigner((SerializableTimestampAssigner<InferenceEvent>) (e, ts) -> e.timestampMillis)
                        .withIdleness(MonitorDurations.get(config, "monitor.watermark.idleness")))
                .uid(MonitorJob.EVENT_TIME_UID).name(MonitorJob.EVENT_TIME_UID);
        RiskPolicy risk = RiskPolicy.fromConfig(config);
        MonitorPipeline pipeline = new MonitorPipeline(catalog, new SplitAccountTracker(SplitAccountSettings.fromConfig(config)),
                new AlertFactory(risk, Clock.systemUTC()), new AlertSuppression(AlertSettings.fromConfig(config)), risk);
        // Parallelism 1 like the alerts.jsonl sink, so the probe is chained to the sink (after the
        // last network exchange) and measures when the sink's writer receives the alert.
        DataStream<Alert> alerts = pipeline.apply(ev).map(new LatencyProbe()).setParallelism(1).name("latency-probe");
        AlertSinks.attach(alerts, sinks);

        LATENCIES.clear();
        String before = MonitorBenchSupport.uptime();
        env.execute("warden-monitor-latency");
        long[] all = LATENCIES.stream().mapToLong(x -> x[0]).sorted().toArray();
        long[] steady = LATENCIES.stream().filter(x -> x[1] >= firstStamp + 10_000).mapToLong(x -> x[0]).sorted().toArray();
        double achieved = stamped / Math.max(1e-3, (lastStamp - firstStamp) / 1000.0);
        System.out.printf(Locale.ROOT, "%nLATENCY event-to-alert at half that rate: target %,.0f events/s, achieved %,.0f events/s over %.1f s (%,d events),"
                + " paced source (parallelism 1) + the monitor's parser, MonitorPipeline and alerts.jsonl sink, checkpoints every 30 s%n",
                rate, achieved, (lastStamp - firstStamp) / 1000.0, stamped);
        System.out.printf(Locale.ROOT, "  all alerts:             %s%n", percentiles(all));
        System.out.printf(Locale.ROOT, "  after the first 10 s:   %s%n", percentiles(steady));
        System.out.printf(Locale.ROOT, "  load before: %s; after: %s%n", before, MonitorBenchSupport.uptime());
    }

    static String percentiles(long[] v) {
        if (v.length == 0) {
            return "no alerts";
        }
        return String.format(Locale.ROOT, "%,d alerts, latency ms p50 %d, p90 %d, p99 %d, max %d", v.length, q(v, 0.5), q(v, 0.9), q(v, 0.99), v[v.length - 1]);
    }

    static long q(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /**
     * Replays the generated lines in order (interleaving the per-core files) at a fixed rate, and sets
     * each line's timestamp to the wall clock (epoch ms) at the moment it is emitted into the job.
     */
    static final class PacedLines extends RichMapFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final String folder;
        private final double rate;
        private final long count;
        private transient String[] prefix;
        private transient String[] suffix;
        private transient long startNanos;
        private transient long emitted;

        PacedLines(String folder, double rate, long count) {
            this.folder = folder;
            this.rate = rate;
            this.count = count;
        }

        @Override
        public void open(OpenContext context) throws Exception {
            List<BufferedReader> readers = new ArrayList<>();
            try (var files = Files.list(Path.of(folder))) {
                for (Path p : files.sorted().toList()) {
                    readers.add(Files.newBufferedReader(p, StandardCharsets.UTF_8));
                }
            }
            prefix = new String[(int) count];
            suffix = new String[(int) count];
            int i = 0;
            boolean any = true;
            while (i < count && any) {
                any = false;
                for (BufferedReader br : readers) {
                    String line = i < count ? br.readLine() : null;
                    if (line == null) {
                        continue;
                    }
                    any = true;
                    int a = line.indexOf("\"timestamp\":\"");
                    int b = line.indexOf('"', a + 13);
                    prefix[i] = line.substring(0, a + 12);
                    suffix[i] = line.substring(b + 1);
                    i++;
                }
            }
            for (BufferedReader br : readers) {
                br.close();
            }
        }

        @Override
        public String map(Long index) {
            if (emitted == 0) {
                startNanos = System.nanoTime();
            }
            long due = startNanos + (long) (emitted * 1e9 / rate);
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(Math.min(due - now, 200_000));
            }
            emitted++;
            long wall = System.currentTimeMillis();
            if (firstStamp == 0) {
                firstStamp = wall;
            }
            lastStamp = wall;
            stamped = emitted;
            int i = (int) (long) index;
            return prefix[i] + wall + suffix[i];
        }
    }

    /** Wall time now minus the alert's event_time (the wall time its last event entered the job). */
    static final class LatencyProbe implements MapFunction<Alert, Alert> {
        private static final long serialVersionUID = 1L;

        @Override
        public Alert map(Alert a) {
            long now = System.currentTimeMillis();
            LATENCIES.add(new long[] {now - a.eventTimeMillis, a.eventTimeMillis});
            return a;
        }
    }

    // ---- state size ----

    /** The client profiles whose state size the benchmark and MonitorStateSizeTest measure. */
    static Map<String, List<InferenceEvent>> stateProfiles(TrafficScenarios t) {
        Map<String, List<InferenceEvent>> profiles = new LinkedHashMap<>();
        profiles.put("benign 100", t.benign("s", 100, 1.0, 4)); // the throughput run's clients send about 100 events each
        profiles.put("benign 1k", t.benign("s", 1_000, 1.0, 5));
        profiles.put("benign 10k", t.benign("s", 10_000, 1.0, 6));
        profiles.put("uniform 1k", t.uniformExtraction("s", 1_000, 7));
        profiles.put("near-dup 1k", t.nearDuplicates("s", 1_000, 0.05, 8));
        profiles.put("hsj 1k", t.hopSkipJump("s", 1_000, 9));
        return profiles;
    }

    /** Flink's serializer configuration with generic (Kryo) types off, as the monitor runs. */
    static SerializerConfigImpl kryoFree() {
        SerializerConfigImpl sc = new SerializerConfigImpl();
        sc.setGenericTypes(false);
        return sc;
    }

    static void stateSizes(String model, Path baselineDir, TrafficScenarios t) throws Exception {
        Config c = Config.defaults();
        ServingBaseline b = ServingBaseline.of(model, Baseline.read(baselineDir));
        DetectorCatalog catalog = DetectorCatalog.build(c, Map.of(model, b), null);
        List<ServingDetector<?>> detectors = catalog.forModel(model);
        Map<String, List<InferenceEvent>> profiles = stateProfiles(t);
        SerializerConfigImpl sc = kryoFree();
        int keyBytes = serializedSize(TypeInformation.of(String.class), model + "|client-000000");
        System.out.printf(Locale.ROOT, "  %s (%d features):%n  %-20s", model, b.dimensions(), "detector");
        for (String p : profiles.keySet()) {
            System.out.printf(Locale.ROOT, " %12s", p);
        }
        System.out.println();
        long[] totals = new long[profiles.size()];
        for (ServingDetector<?> d : detectors) {
            System.out.printf(Locale.ROOT, "  %-20s", d.id());
            int k = 0;
            for (List<InferenceEvent> ev : profiles.values()) {
                int size = sizeAfter(d, ev);
                totals[k++] += size;
                System.out.printf(Locale.ROOT, " %,12d", size);
            }
            System.out.println();
        }
        // Single-thread cost of each detector's observe() (direct loop, 200 clients x 500 events, after a warm-up pass).
        List<List<InferenceEvent>> streams = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            streams.add(t.benign("cost-" + i, 500, 1.0, 1_000 + i));
        }
        System.out.printf(Locale.ROOT, "  %-20s", "ns/event (1 thread)");
        long allNs = 0;
        StringBuilder costs = new StringBuilder();
        for (ServingDetector<?> d : detectors) {
            costNs(d, streams);
            long ns = costNs(d, streams);
            allNs += ns;
            costs.append(d.id()).append(' ').append(ns).append(", ");
        }
        System.out.printf(Locale.ROOT, " %s => all detectors %,d ns/event = %,.0f events/s per core for the detectors alone%n", costs, allNs, 1e9 / allNs);
        // What one client really holds: the whole ClientState (every detector's state, a
        // SuppressionState per detector as if all had alerted: an upper bound), serialized once with
        // the keyed state's serializer, plus the key and the cleanup timer (key + timestamp).
        System.out.printf(Locale.ROOT, "  %-20s", "TOTAL per client");
        int k = 0;
        for (List<InferenceEvent> ev : profiles.values()) {
            totals[k] = clientStateSize(detectors, ev, new AlertSuppression(AlertSettings.fromConfig(c))) + 2L * keyBytes + 8;
            System.out.printf(Locale.ROOT, " %,12d", totals[k++]);
        }
        System.out.printf(Locale.ROOT, "%n  %-20s", "  KiB (target <= 64)");
        for (long tot : totals) {
            System.out.printf(Locale.ROOT, " %12s", String.format(Locale.ROOT, "%.1f %s", tot / 1024.0, tot <= 65_536 ? "ok" : "OVER"));
        }
        System.out.println();
        // What a heap-state checkpoint spends per client: the keyed state's serializer against Flink's
        // POJO serializer (which builds before session 5 used), on the "benign 1k" client's whole state.
        ClientState benign1k = clientState(detectors, profiles.get("benign 1k"), new AlertSuppression(AlertSettings.fromConfig(c)));
        Path tmp = Files.createTempDirectory("warden-state-cost");
        double[] bulk = serializerCost(io.modelwarden.monitor.StateSerializer.of(ClientState.class), benign1k, 3_000, tmp);
        double[] pojo = serializerCost(TypeInformation.of(ClientState.class).createSerializer(sc), benign1k, 3_000, tmp);
        Files.deleteIfExists(tmp);
        System.out.printf(Locale.ROOT, "  checkpoint serialization of one client's state (benign 1k, to a local file and back): StateSerializer %,.0f B"
                + " written in %.1f us, read in %.1f us; Flink's POJO serializer %,.0f B, %.1f and %.1f us (%.1fx and %.1fx)%n",
                bulk[2], bulk[0], bulk[1], pojo[2], pojo[0], pojo[1], pojo[0] / bulk[0], pojo[1] / bulk[1]);
        // The IP guard's state per source IP (a client alone on its IP): the IP rate state and the
        // split-account tracker.
        SplitAccountTracker tracker = new SplitAccountTracker(SplitAccountSettings.fromConfig(c));
        var split = tracker.newState();
        ServingDetector<?> ipRate = catalog.ipRate();
        List<InferenceEvent> ev = profiles.get("benign 1k");
        for (InferenceEvent e : ev) {
            tracker.observe(split, e);
        }
        System.out.printf(Locale.ROOT, "  per source IP (ip-guard): rate %,d B + split-accounts %,d B after 1k events of one client%n",
                pojoSizeAfter(ipRate, ev), serializedSize(TypeInformation.of(tracker.stateClass()), split));
    }

    static <S> long costNs(ServingDetector<S> d, List<List<InferenceEvent>> streams) {
        long events = 0;
        long t0 = System.nanoTime();
        for (List<InferenceEvent> ev : streams) {
            S s = d.newState();
            for (InferenceEvent e : ev) {
                d.observe(s, e);
                events++;
            }
        }
        return (System.nanoTime() - t0) / events;
    }

    /** Serialized size of the {@link ClientState} of one client after {@code events}, with a suppression state per detector. */
    static int clientStateSize(List<ServingDetector<?>> detectors, List<InferenceEvent> events, AlertSuppression suppression) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64 * 1024);
        io.modelwarden.monitor.StateSerializer.of(ClientState.class).serialize(clientState(detectors, events, suppression), out);
        return out.length();
    }

    /** One client's whole state after {@code events}, with a suppression state per detector. */
    static ClientState clientState(List<ServingDetector<?>> detectors, List<InferenceEvent> events, AlertSuppression suppression) {
        ClientState cs = new ClientState();
        for (ServingDetector<?> d : detectors) {
            int slot = ClientState.slotOf(d.id());
            cs.set(slot, stateAfter(d, events));
            cs.suppressions[slot] = suppression.newState();
        }
        cs.cleanupAt = events.get(events.size() - 1).timestampMillis;
        return cs;
    }

    /**
     * What a checkpoint of the heap state does per client, timed: {@code copies} serializations of one
     * client state into a buffered local file, then reading them back (best of three), with the given
     * serializer. Returns {write us, read us, bytes} per client.
     */
    static double[] serializerCost(TypeSerializer<ClientState> ser, ClientState cs, int copies, Path dir) throws Exception {
        double bestWrite = Double.MAX_VALUE;
        double bestRead = Double.MAX_VALUE;
        long bytes = 0;
        Path f = Files.createTempFile(dir, "state-", ".bin");
        try {
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                try (var out = new org.apache.flink.core.memory.DataOutputViewStreamWrapper(
                        new java.io.BufferedOutputStream(Files.newOutputStream(f), 4096))) {
                    for (int i = 0; i < copies; i++) {
                        ser.serialize(cs, out);
                    }
                }
                long t1 = System.nanoTime();
                try (var in = new org.apache.flink.core.memory.DataInputViewStreamWrapper(
                        new java.io.BufferedInputStream(Files.newInputStream(f), 4096))) {
                    for (int i = 0; i < copies; i++) {
                        ser.deserialize(in);
                    }
                }
                long t2 = System.nanoTime();
                bestWrite = Math.min(bestWrite, (t1 - t0) / 1e3 / copies);
                bestRead = Math.min(bestRead, (t2 - t1) / 1e3 / copies);
                bytes = Files.size(f) / copies;
            }
        } finally {
            Files.deleteIfExists(f);
        }
        return new double[] {bestWrite, bestRead, bytes};
    }

    static <S> S stateAfter(ServingDetector<S> d, List<InferenceEvent> events) {
        S s = d.newState();
        for (InferenceEvent e : events) {
            d.observe(s, io.modelwarden.monitor.InferenceEventSerializer.INSTANCE.copy(e));
        }
        return s;
    }

    /** Serialized size of a detector state after {@code events}, as the keyed state's serializer writes it. */
    static <S> int sizeAfter(ServingDetector<S> d, List<InferenceEvent> events) throws Exception {
        S s = stateAfter(d, events);
        TypeSerializer<S> ser = io.modelwarden.monitor.StateSerializer.of(d.stateClass());
        DataOutputSerializer out = new DataOutputSerializer(4096);
        ser.serialize(s, out);
        return out.length();
    }

    /** The same, with Flink's POJO serializer: the IP guard's state (IpGuardState) is a Flink POJO. */
    static <S> int pojoSizeAfter(ServingDetector<S> d, List<InferenceEvent> events) throws Exception {
        return serializedSize(TypeInformation.of(d.stateClass()), stateAfter(d, events));
    }

    static <T> int serializedSize(TypeInformation<T> type, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        type.createSerializer(new SerializerConfigImpl()).serialize(value, out);
        return out.length();
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted((a, b2) -> b2.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(x);
            }
        }
    }
}
