package io.modelwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwarden.cli.Warden;
import io.modelwarden.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Kubernetes manifests in conf/k8s against what the project relies on: one image, the jar where
 * the Dockerfile puts it, entry classes that exist, arguments the real CLI accepts, configuration
 * keys that exist, checkpoint/savepoint/HA settings, upgrade modes, the schedule and the JDBC
 * credential variables the configuration names. Nothing here needs Docker or a cluster.
 */
class DeploymentManifestsTest {
    static final Path K8S = Path.of("..", "conf", "k8s");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String SHADED_JAR = "jobs/target/warden-jobs-0.1.0-SNAPSHOT-flink.jar";

    static List<String> dockerfile;
    static JsonNode monitor;
    static JsonNode session;
    static JsonNode cron;

    @BeforeAll
    static void load() throws IOException {
        dockerfile = Files.readAllLines(K8S.resolve("Dockerfile"));
        monitor = readAll(K8S.resolve("monitor.yaml")).get(0);
        List<JsonNode> scan = readAll(K8S.resolve("scan.yaml"));
        assertThat(scan).hasSize(2);
        session = scan.stream().filter(d -> d.path("kind").asText().equals("FlinkDeployment")).findFirst().orElseThrow();
        cron = scan.stream().filter(d -> d.path("kind").asText().equals("CronJob")).findFirst().orElseThrow();
    }

    static List<JsonNode> readAll(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(file))) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    // ---- Dockerfile ----

    /** Destination -> source of every COPY line (flags such as --chown dropped). */
    static Map<String, String> copies() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : dockerfile) {
            String t = line.trim();
            if (!t.startsWith("COPY ")) {
                continue;
            }
            List<String> parts = new ArrayList<>(List.of(t.substring(5).trim().split("\\s+")));
            parts.removeIf(p -> p.startsWith("--"));
            assertThat(parts).as(t).hasSize(2);
            out.put(parts.get(1), parts.get(0));
        }
        return out;
    }

    static String jarInImage() {
        return copies().entrySet().stream()
                .filter(e -> e.getValue().equals(SHADED_JAR))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("the Dockerfile does not COPY " + SHADED_JAR));
    }

    @Test
    void dockerfileIsTheFlinkJava17ImageWithTheJarAndHadoop() throws IOException {
        assertThat(dockerfile.stream().map(String::trim).filter(l -> l.startsWith("FROM ")))
                .containsExactly("FROM flink:2.2.0-java17");
        assertThat(jarInImage()).isEqualTo("/opt/flink/usrlib/warden-jobs.jar");

        String hadoop = property(Files.readString(Path.of("..", "pom.xml")), "hadoop.version");
        assertThat(hadoop).isEqualTo("3.3.6");
        Map<String, String> copies = copies();
        for (String artifact : List.of("hadoop-client-api", "hadoop-client-runtime")) {
            String jar = artifact + "-" + hadoop + ".jar";
            assertThat(copies).containsEntry("/opt/flink/lib/" + jar, "jobs/target/k8s-lib/" + jar);
        }
        // The build fills jobs/target/k8s-lib (dependency:copy bound to package) and names the shaded jar.
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<id>k8s-hadoop-lib</id>", "<goal>copy</goal>",
                "<outputDirectory>${project.build.directory}/k8s-lib</outputDirectory>",
                "<artifactId>hadoop-client-api</artifactId>", "<artifactId>hadoop-client-runtime</artifactId>",
                "<shadedClassifierName>flink</shadedClassifierName>", "<artifactId>warden-jobs</artifactId>",
                "<version>0.1.0-SNAPSHOT</version>");
        // No download at container start: nothing but COPY adds files.
        assertThat(dockerfile.stream().map(String::trim))
                .noneMatch(l -> l.startsWith("ADD ") || l.startsWith("ENTRYPOINT") || l.startsWith("CMD"));
    }

    static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1).trim();
    }

    // ---- images, jar, entry classes ----

    @Test
    void oneImageEverywhere() {
        String image = monitor.at("/spec/image").asText();
        assertThat(image).isNotBlank().contains(":");
        assertThat(session.at("/spec/image").asText()).isEqualTo(image);
        assertThat(cronContainer().path("image").asText()).isEqualTo(image);
        assertThat(dockerfile).anyMatch(l -> l.contains("-t " + image + " "));
    }

    @Test
    void jarAndEntryClassesExist() throws Exception {
        assertThat(monitor.at("/spec/job/jarURI").asText()).isEqualTo("local://" + jarInImage());
        String entry = monitor.at("/spec/job/entryClass").asText();
        assertThat(entry).isEqualTo("io.modelwarden.monitor.MonitorJob");
        assertThat(Class.forName(entry).getMethod("main", String[].class)).isNotNull();

        List<String> run = cronArgs();
        assertThat(cronContainer().path("command").get(0).asText()).isEqualTo("/opt/flink/bin/flink");
        assertThat(run.get(0)).isEqualTo("run");
        String cls = run.get(run.indexOf("-c") + 1);
        assertThat(cls).isEqualTo("io.modelwarden.scan.ScanJob");
        assertThat(Class.forName(cls).getMethod("main", String[].class)).isNotNull();
        assertThat(run.get(run.indexOf("-c") + 2)).isEqualTo(jarInImage());
        // submitted to the session cluster of the same file (the operator's REST service <name>-rest)
        assertThat(run.get(run.indexOf("-m") + 1)).isEqualTo(session.at("/metadata/name").asText() + "-rest:8081");
    }

    // ---- arguments against the real CLI and configuration ----

    static List<String> monitorArgs() {
        List<String> args = new ArrayList<>();
        monitor.at("/spec/job/args").forEach(a -> args.add(a.asText()));
        assertThat(args).isNotEmpty();
        return args;
    }

    static JsonNode cronContainer() {
        JsonNode containers = cron.at("/spec/jobTemplate/spec/template/spec/containers");
        assertThat(containers.size()).isEqualTo(1);
        return containers.get(0);
    }

    static List<String> cronArgs() {
        List<String> args = new ArrayList<>();
        cronContainer().path("args").forEach(a -> args.add(a.asText()));
        return args;
    }

    /** The `warden scan` flags: everything after the jar, with Kubernetes $(VAR) references filled in. */
    static List<String> scanArgs() {
        List<String> run = cronArgs();
        Set<String> env = envNames(cronContainer());
        List<String> out = new ArrayList<>();
        for (String a : run.subList(run.indexOf("-c") + 3, run.size())) {
            Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(a);
            while (m.find()) {
                assertThat(env).as("$(" + m.group(1) + ") in " + a).contains(m.group(1));
            }
            out.add(a.replaceAll("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)", "run-1"));
        }
        return out;
    }

    static CommandLine.ParseResult parse(String command, List<String> args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(args);
        CommandLine.ParseResult[] result = new CommandLine.ParseResult[1];
        assertThatCode(() -> result[0] = new CommandLine(new Warden()).parseArgs(all.toArray(String[]::new)))
                .as("warden " + all).doesNotThrowAnyException();
        assertThat(result[0].subcommand()).isNotNull();
        assertThat(result[0].subcommand().commandSpec().name()).isEqualTo(command);
        return result[0].subcommand();
    }

    /** Defaults plus the --set overrides, every key known. */
    static Config configOf(CommandLine.ParseResult sub) {
        Map<String, String> sets = sub.matchedOptionValue("--set", Map.<String, String>of());
        Config defaults = Config.defaults();
        for (String key : sets.keySet()) {
            assertThat(defaults.has(key)).as("--set " + key + " is a configuration key").isTrue();
        }
        return defaults.withAll(sets);
    }

    @Test
    void monitorArgsParseWithTheCli() {
        CommandLine.ParseResult sub = parse("monitor", monitorArgs());
        assertThat(sub.matchedOptionValue("--kafka-bootstrap", "")).isNotBlank();
        assertThat(sub.matchedOptionValue("--topic", "")).isNotBlank();
        assertThat(sub.matchedOptionValue("--group-id", "")).isNotBlank();
        assertThat(sub.matchedOptionValue("--alerts-topic", "")).isNotBlank();
        assertThat(sub.matchedOptionValue("--jdbc-url", "")).startsWith("jdbc:postgresql://");
        assertThat(sub.hasMatchedOption("--events")).isFalse();
        List<String> baselines = new ArrayList<>();
        for (int i = 0; i < monitorArgs().size() - 1; i++) {
            if (monitorArgs().get(i).equals("--baseline")) {
                baselines.add(monitorArgs().get(i + 1));
            }
        }
        assertThat(baselines).isNotEmpty().allMatch(b -> b.matches("[^=/]+=/.+"));
        for (String b : baselines) {
            assertMounted(monitor.at("/spec/podTemplate/spec"), b.substring(b.indexOf('=') + 1));
        }
        configOf(sub);
    }

    @Test
    void scanArgsParseWithTheCli() {
        CommandLine.ParseResult sub = parse("scan", scanArgs());
        String input = sub.matchedOptionValue("--input", "");
        String output = sub.matchedOptionValue("--output", "");
        String baseline = sub.matchedOptionValue("--baseline", "");
        assertThat(sub.matchedOptionValue("--jdbc-url", "")).startsWith("jdbc:postgresql://");
        assertThat(sub.<Integer>matchedOptionValue("--parallelism", 0)).isPositive();
        JsonNode pod = cron.at("/spec/jobTemplate/spec/template/spec");
        // the client (the CronJob pod) and every TaskManager of the session cluster reach the paths
        for (String path : List.of(input, output, baseline)) {
            assertThat(path).startsWith("/");
            assertMounted(pod, path);
            assertMounted(session.at("/spec/podTemplate/spec"), path);
        }
        configOf(sub);
    }

    /** A path lies under a volumeMount of the pod's (first) container whose volume the pod declares. */
    static void assertMounted(JsonNode podSpec, String path) {
        String p = path.replaceFirst("^file://", "");
        JsonNode container = podSpec.path("containers").get(0);
        Set<String> volumes = new LinkedHashSet<>();
        podSpec.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
        boolean found = false;
        for (JsonNode m : container.path("volumeMounts")) {
            String mount = m.path("mountPath").asText();
            if (p.equals(mount) || p.startsWith(mount.endsWith("/") ? mount : mount + "/")) {
                assertThat(volumes).contains(m.path("name").asText());
                found = true;
            }
        }
        assertThat(found).as(path + " is on a mounted volume").isTrue();
    }

    // ---- Flink configuration ----

    @Test
    void monitorIsCheckpointedWithHaAndUpgradedBySavepoint() {
        JsonNode spec = monitor.path("spec");
        assertThat(monitor.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(monitor.path("kind").asText()).isEqualTo("FlinkDeployment");
        assertThat(spec.path("flinkVersion").asText()).matches("v2_[0-9]+");
        assertThat(spec.path("serviceAccount").asText()).isNotBlank();
        JsonNode conf = spec.path("flinkConfiguration");
        assertThat(text(conf, "execution.checkpointing.interval")).isNotBlank();
        assertThat(text(conf, "execution.checkpointing.dir")).isNotBlank();
        assertThat(text(conf, "execution.checkpointing.savepoint-dir")).isNotBlank();
        assertThat(text(conf, "high-availability.type")).isEqualTo("kubernetes");
        assertThat(text(conf, "high-availability.storageDir")).isNotBlank();
        assertThat(text(conf, "restart-strategy.type")).isNotBlank();
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir")) {
            String dir = text(conf, key);
            if (dir.startsWith("file://")) {
                assertMounted(spec.path("podTemplate").path("spec"), dir);
            } else {
                assertThat(dir).as(key).startsWith("s3://");
            }
        }

        // The job configures itself from warden keys (MonitorJob.flinkConfiguration), overriding the
        // cluster's for the job: both must say the same.
        Config c = configOf(parse("monitor", monitorArgs()));
        assertThat(c.getString("monitor.checkpoint.directory")).isEqualTo(text(conf, "execution.checkpointing.dir"));
        assertThat(c.getString("monitor.checkpoint.interval")).isEqualTo(text(conf, "execution.checkpointing.interval"));
        assertThat(c.getString("monitor.state-backend")).isEqualTo(text(conf, "state.backend.type"));
        assertThat(text(conf, "restart-strategy.type")).isEqualTo("fixed-delay");
        assertThat(text(conf, "restart-strategy.fixed-delay.attempts")).isEqualTo(c.getString("monitor.restart.attempts"));
        assertThat(text(conf, "restart-strategy.fixed-delay.delay")).isEqualTo(c.getString("monitor.restart.delay"));

        assertThat(spec.at("/jobManager/resource/memory").asText()).isNotBlank();
        assertThat(spec.at("/jobManager/resource/cpu").asDouble()).isPositive();
        assertThat(spec.at("/taskManager/resource/memory").asText()).isNotBlank();
        assertThat(spec.at("/taskManager/resource/cpu").asDouble()).isPositive();

        JsonNode job = spec.path("job");
        assertThat(job.path("parallelism").asInt()).isPositive();
        assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.path("state").asText()).isEqualTo("running");
    }

    @Test
    void scanIsAStatelessBatchJobOnASchedule() {
        assertThat(cron.path("apiVersion").asText()).isEqualTo("batch/v1");
        assertThat(cron.at("/spec/concurrencyPolicy").asText()).isEqualTo("Forbid");
        assertValidCron(cron.at("/spec/schedule").asText());
        assertThat(cron.at("/spec/jobTemplate/spec/template/spec/restartPolicy").asText()).isIn("Never", "OnFailure");

        List<String> run = cronArgs().subList(0, cronArgs().indexOf("-c"));
        assertThat(run).contains("-Dexecution.runtime-mode=BATCH");
        // stateless: never restored from a savepoint
        assertThat(run).doesNotContain("-s", "--fromSavepoint", "-n", "--allowNonRestoredState", "-d", "--detached");

        JsonNode spec = session.path("spec");
        assertThat(spec.has("job")).as("a session cluster has no job spec").isFalse();
        assertThat(spec.path("flinkVersion").asText()).isEqualTo(monitor.at("/spec/flinkVersion").asText());
        JsonNode conf = spec.path("flinkConfiguration");
        assertThat(text(conf, "execution.runtime-mode")).isEqualTo("BATCH");
        assertThat(text(conf, "execution.checkpointing.dir")).isNotBlank();
        assertThat(text(conf, "execution.checkpointing.savepoint-dir")).isNotBlank();
        assertThat(text(conf, "high-availability.type")).isEqualTo("kubernetes");
        assertThat(text(conf, "high-availability.storageDir")).isNotBlank();
        assertThat(spec.at("/taskManager/replicas").asInt()).isPositive();
    }

    static String text(JsonNode conf, String key) {
        JsonNode v = conf.get(key);
        assertThat(v).as(key).isNotNull();
        return v.asText();
    }

    // ---- credentials ----

    static Set<String> envNames(JsonNode container) {
        Set<String> names = new LinkedHashSet<>();
        container.path("env").forEach(e -> names.add(e.path("name").asText()));
        return names;
    }

    /** env name -> secret name/key, for the variables that come from a Secret. */
    static Map<String, String> secretEnv(JsonNode container) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode e : container.path("env")) {
            JsonNode ref = e.at("/valueFrom/secretKeyRef");
            if (!(ref instanceof MissingNode)) {
                out.put(e.path("name").asText(), ref.path("name").asText() + "/" + ref.path("key").asText());
            }
        }
        return out;
    }

    @Test
    void jdbcCredentialsComeFromTheSecretUnderTheConfiguredNames() {
        Config d = Config.defaults();
        assertThat(d.getString("monitor.sinks.jdbc.user-env")).isEqualTo("WARDEN_JDBC_USER");
        assertThat(d.getString("monitor.sinks.jdbc.password-env")).isEqualTo("WARDEN_JDBC_PASSWORD");
        Set<String> monitorNames = Set.of(d.getString("monitor.sinks.jdbc.user-env"), d.getString("monitor.sinks.jdbc.password-env"));
        Set<String> scanNames = Set.of(d.getString("scan.sinks.jdbc.user-env"), d.getString("scan.sinks.jdbc.password-env"));

        Map<String, String> m = secretEnv(monitor.at("/spec/podTemplate/spec/containers").get(0));
        assertThat(m.keySet()).isEqualTo(monitorNames);
        assertThat(monitor.at("/spec/podTemplate/spec/containers/0/name").asText()).isEqualTo("flink-main-container");
        Map<String, String> s = secretEnv(session.at("/spec/podTemplate/spec/containers").get(0));
        assertThat(s.keySet()).isEqualTo(scanNames);
        Map<String, String> c = secretEnv(cronContainer());
        assertThat(c.keySet()).isEqualTo(scanNames);
        // one Secret, the same keys everywhere, and never a literal value
        assertThat(s).isEqualTo(m);
        assertThat(c).isEqualTo(m);
        assertThat(m.values()).allMatch(v -> v.startsWith("warden-jdbc/"));
    }

    @Test
    void everyClusterServesPrometheusMetricsLikeTheShippedFlinkConfig() throws IOException {
        JsonNode shipped = YAML.readTree(Path.of("..", "conf", "flink", "config.yaml").toFile());
        String reporter = "metrics.reporter.prom.factory.class";
        assertThat(shipped.path(reporter).asText()).isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(shipped.path("metrics.reporter.prom.port").asText()).isNotBlank();
        for (JsonNode deployment : List.of(monitor, session)) {
            JsonNode conf = deployment.at("/spec/flinkConfiguration");
            assertThat(text(conf, reporter)).as(deployment.at("/metadata/name").asText()).isEqualTo(shipped.path(reporter).asText());
            assertThat(text(conf, "metrics.reporter.prom.port")).isNotBlank();
            assertThat(text(conf, "restart-strategy.type")).isEqualTo(shipped.path("restart-strategy.type").asText());
            assertThat(text(conf, "env.java.opts.taskmanager")).isEqualTo(shipped.path("env.java.opts.taskmanager").asText()).contains("-XX:+UseParallelGC");
        }
    }

    // ---- cron ----

    static void assertValidCron(String schedule) {
        String[] f = schedule.trim().split("\\s+");
        assertThat(f).as("5 fields in '" + schedule + "'").hasSize(5);
        assertCronField(f[0], 0, 59, schedule);
        assertCronField(f[1], 0, 23, schedule);
        assertCronField(f[2], 1, 31, schedule);
        assertCronField(f[3].toUpperCase()
                .replaceAll("JAN", "1").replaceAll("FEB", "2").replaceAll("MAR", "3").replaceAll("APR", "4")
                .replaceAll("MAY", "5").replaceAll("JUN", "6").replaceAll("JUL", "7").replaceAll("AUG", "8")
                .replaceAll("SEP", "9").replaceAll("OCT", "10").replaceAll("NOV", "11").replaceAll("DEC", "12"), 1, 12, schedule);
        assertCronField(f[4].toUpperCase()
                .replaceAll("SUN", "0").replaceAll("MON", "1").replaceAll("TUE", "2").replaceAll("WED", "3")
                .replaceAll("THU", "4").replaceAll("FRI", "5").replaceAll("SAT", "6"), 0, 7, schedule);
    }

    static void assertCronField(String field, int lo, int hi, String schedule) {
        for (String part : field.split(",", -1)) {
            Matcher m = Pattern.compile("(\\*|\\?|(\\d+)(?:-(\\d+))?)(?:/(\\d+))?").matcher(part);
            assertThat(m.matches()).as("'" + part + "' in '" + schedule + "'").isTrue();
            if (m.group(2) != null) {
                int a = Integer.parseInt(m.group(2));
                int b = m.group(3) == null ? a : Integer.parseInt(m.group(3));
                assertThat(a).as(part + " in " + schedule).isBetween(lo, hi);
                assertThat(b).as(part + " in " + schedule).isBetween(a, hi);
            }
            if (m.group(4) != null) {
                assertThat(Integer.parseInt(m.group(4))).as(part + " in " + schedule).isPositive();
            }
        }
    }

    @Test
    void cronCheckRejectsBadSchedules() {
        assertValidCron("30 2 * * *");
        assertValidCron("*/15 0-6 1,15 JAN-MAR MON-FRI");
        for (String bad : List.of("30 2 * *", "60 2 * * *", "30 24 * * *", "0 0 0 * *", "0 0 * 13 *", "@daily x")) {
            assertThatCode(() -> assertValidCron(bad)).as(bad).isInstanceOf(AssertionError.class);
        }
    }
}
