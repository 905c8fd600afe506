package io.modelwarden.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwarden.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A real Flink session cluster for one test class: a JobManager and a TaskManager, each a separate
 * {@code java} process on the cluster {@code lib/} folder that the {@code flink-cluster} module
 * assembles from Maven-resolved jars, configured by the shipped {@code conf/flink/config.yaml} with
 * only addresses, ports, directories and memory overridden. {@link #flink} runs Flink's own command
 * line front end ({@code CliFrontend}, what {@code bin/flink} runs) as a third process.
 *
 * <p>Register as a static {@code @RegisterExtension} field. The processes are always killed after
 * the class; their logs stay in {@code target/flink-cluster-it/}, and their tails are printed when a
 * test fails.
 */
public final class FlinkSessionCluster implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    /** Where {@code flink-cluster}'s {@code package} puts the lib folder; failsafe passes the path. */
    static final String LIB_PROPERTY = "warden.flink.lib";
    /** The shaded job jar built by {@code jobs}' {@code package}; failsafe passes the path. */
    static final String JAR_PROPERTY = "warden.job.jar";
    static final Path SHIPPED_CONFIG = Path.of("..", "conf", "flink", "config.yaml");
    static final Duration START = Duration.ofSeconds(90);
    static final Duration CLI = Duration.ofSeconds(150);

    /** Flink's JVM flags for Java 17 (its {@code env.java.default-opts.all}; bin/warden has the same list). */
    static final List<String> JAVA_17_OPENS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final Pattern RESULT_LINE = Pattern.compile("BASH_JAVA_UTILS_EXEC_RESULT:(.*)");
    private static final int LOG_TAIL_LINES = 60;

    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Path> logs = new LinkedHashMap<>();
    private Path work;
    private Path conf;
    private Path lib;
    private Path jar;
    private int restPort;
    private int jobManagerMetricsPort;
    private int taskManagerMetricsPort;
    private int cliRuns;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        lib = requiredPath(LIB_PROPERTY, "the Flink cluster lib/ folder (built by the flink-cluster module's package)");
        jar = requiredPath(JAR_PROPERTY, "the shaded job jar (built by jobs' package)");
        work = Path.of("target", "flink-cluster-it", context.getRequiredTestClass().getSimpleName()).toAbsolutePath();
        deleteRecursively(work);
        conf = Files.createDirectories(work.resolve("conf"));
        writeConfig();
        try {
            // Flink's bin/jobmanager.sh and bin/taskmanager.sh get each process's JVM flags and its
            // memory settings (dynamic -D properties) from BashJavaUtils; the TaskManager refuses to
            // start without them ("taskmanager.cpu.cores is not set").
            processes.add(start("jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    resourceParams("GET_JM_RESOURCE_PARAMS"), jobManagerMetricsPort, List.of()));
            // ... and bin/taskmanager.sh adds env.java.opts.taskmanager (the shipped file's collector).
            processes.add(start("taskmanager", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                    resourceParams("GET_TM_RESOURCE_PARAMS"), taskManagerMetricsPort, shippedJvmOptions("env.java.opts.taskmanager")));
            awaitTaskManager();
        } catch (Throwable e) {
            printLogTails();
            afterAll(context);
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        printLogTails();
    }

    /** The REST endpoint of the JobManager, e.g. {@code http://localhost:40123}. */
    public String restUrl() {
        return "http://localhost:" + restPort;
    }

    /** The Prometheus reporter's endpoint of the TaskManager ({@code metrics.reporter.prom.port}). */
    public URI taskManagerMetrics() {
        return URI.create("http://localhost:" + taskManagerMetricsPort + "/metrics");
    }

    /** The Prometheus reporter's endpoint of the JobManager. */
    public URI jobManagerMetrics() {
        return URI.create("http://localhost:" + jobManagerMetricsPort + "/metrics");
    }

    public Path jobJar() {
        return jar;
    }

    /** A scratch folder under this cluster's work folder (shared by client and cluster: one host). */
    public Path folder(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    /** What a {@code flink} command printed (stdout and stderr, interleaved) and its exit code. */
    public record CliResult(int exitCode, String output) {
        private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
        private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

        /** The id from "Job has been submitted with JobID ..."; fails when there is none. */
        public String jobId() {
            return group(JOB_ID, "a submitted job id");
        }

        /** The path from "Savepoint completed. Path: ..." ({@code flink stop}); fails when there is none. */
        public String savepoint() {
            return group(SAVEPOINT, "a savepoint path");
        }

        private String group(Pattern p, String what) {
            Matcher m = p.matcher(output);
            assertThat(m.find()).as("%s in the flink command's output:%n%s", what, output).isTrue();
            return m.group(1);
        }
    }

    /**
     * Runs {@code flink ARGS} as {@code bin/flink} would: {@code CliFrontend} on the cluster's lib
     * folder with Flink's JVM flags and {@code FLINK_CONF_DIR}, plus {@code env} (the client's
     * environment, e.g. sink credentials). Waits for it to exit; fails on a timeout.
     */
    public CliResult flink(Map<String, String> env, String... args) throws Exception {
        int n = ++cliRuns;
        Path log = work.resolve("flink-" + n + "-" + args[0] + ".log");
        List<String> command = java(List.of("-Xmx512m"), "org.apache.flink.client.cli.CliFrontend", Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(CLI.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("flink " + String.join(" ", args) + " did not finish within " + CLI + ":\n" + tail(log));
        }
        return new CliResult(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** GET on the JobManager's REST API, as JSON; fails on a status other than 200. */
    public JsonNode rest(String path) throws Exception {
        HttpResponse<String> r = get(URI.create(restUrl() + path));
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    /** A plain GET; the body as text. */
    public static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The shipped config.yaml with what a test on a shared host must change: free ports, folders
     * under target/, small memory. Everything else (reporter, checkpoint retention, restarts, state
     * backend) is the shipped value.
     */
    private void writeConfig() throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        JsonNode shipped = new ObjectMapper(new YAMLFactory()).readTree(SHIPPED_CONFIG.toFile());
        for (Iterator<Map.Entry<String, JsonNode>> it = shipped.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            config.put(e.getKey(), e.getValue().asText());
        }
        assertThat(config).as("shipped %s", SHIPPED_CONFIG)
                .containsEntry("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        restPort = freePort();
        jobManagerMetricsPort = freePort();
        taskManagerMetricsPort = freePort();
        config.remove("metrics.reporter.prom.port"); // set per process (start)
        config.put("rest.port", Integer.toString(restPort));
        config.put("jobmanager.rpc.port", Integer.toString(freePort()));
        config.put("blob.server.port", Integer.toString(freePort()));
        config.put("taskmanager.rpc.port", Integer.toString(freePort()));
        config.put("taskmanager.data.port", Integer.toString(freePort()));
        config.put("jobmanager.memory.process.size", "1024m");
        config.put("taskmanager.memory.process.size", "1600m");
        config.put("taskmanager.numberOfTaskSlots", "2");
        config.put("parallelism.default", "2");
        config.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        config.put("execution.checkpointing.savepoint-dir", work.resolve("savepoints").toUri().toString());
        config.put("io.tmp.dirs", Files.createDirectories(work.resolve("tmp")).toString());
        config.put("web.tmpdir", Files.createDirectories(work.resolve("web")).toString());
        StringBuilder yaml = new StringBuilder("# The shipped conf/flink/config.yaml with the test's overrides (FlinkSessionCluster).\n");
        config.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(conf.resolve("config.yaml"), yaml);
        Files.writeString(conf.resolve("log4j2.properties"), """
                rootLogger.level = INFO
                rootLogger.appenderRef.console.ref = console
                appender.console.name = console
                appender.console.type = CONSOLE
                appender.console.layout.type = PatternLayout
                appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n
                logger.netty.name = org.apache.flink.shaded.netty4
                logger.netty.level = WARN
                """);
    }

    /** The JVM flags a key of the shipped config.yaml (a plain {@code key: value} line) gives, split on blanks. */
    static List<String> shippedJvmOptions(String key) throws IOException {
        for (String line : Files.readAllLines(SHIPPED_CONFIG)) {
            if (line.startsWith(key + ":")) {
                String value = line.substring(key.length() + 1).replaceAll("\\s+#.*$", "").trim().replaceAll("^\"|\"$", "");
                return value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+"));
            }
        }
        return List.of();
    }

    /** The two lines BashJavaUtils prints for a process: its JVM flags and its dynamic (-D) properties. */
    private List<String> resourceParams(String command) throws Exception {
        Path log = work.resolve("bash-java-utils-" + command + ".log");
        Process p = new ProcessBuilder(java(List.of(), "org.apache.flink.runtime.util.bash.BashJavaUtils",
                List.of(command, "--configDir", conf.toString())))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("BashJavaUtils %s finished", command).isTrue();
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = RESULT_LINE.matcher(line);
            if (m.find()) {
                lines.add(m.group(1));
            }
        }
        assertThat(lines).as("BashJavaUtils %s output:%n%s", command, Files.readString(log)).hasSizeGreaterThanOrEqualTo(2);
        return lines;
    }

    /**
     * Starts one cluster process with the JVM flags and dynamic properties BashJavaUtils computed,
     * and its own reporter port (JobManager and TaskManager share this host).
     */
    private Process start(String name, String main, List<String> resources, int metricsPort, List<String> extraJvmFlags) throws IOException {
        Path log = work.resolve(name + ".log");
        logs.put(name, log);
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(Arrays.asList(resources.get(1).trim().split("\\s+")));
        args.addAll(List.of("-D", "metrics.reporter.prom.port=" + metricsPort));
        List<String> jvmFlags = new ArrayList<>(Arrays.asList(resources.get(0).trim().split("\\s+")));
        jvmFlags.addAll(extraJvmFlags);
        List<String> command = java(jvmFlags, main, args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The cluster gets none of the jobs' settings from its environment: what a job needs must
        // travel in its job graph (FlinkClusterITCase gives the sink credentials to the client only).
        pb.environment().keySet().removeIf(variable -> variable.startsWith("WARDEN_"));
        return pb.start();
    }

    private List<String> java(List<String> jvmFlags, String main, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JAVA_17_OPENS);
        command.addAll(jvmFlags);
        command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j2.properties"));
        command.add("-cp");
        command.add(lib + "/*");
        command.add(main);
        command.addAll(args);
        return command;
    }

    /** Polls the JobManager's /overview until it counts one TaskManager (both processes must stay up). */
    private void awaitTaskManager() throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new AssertionError("a Flink cluster process exited with " + p.exitValue() + " while starting");
                }
            }
            try {
                HttpResponse<String> r = get(URI.create(restUrl() + "/overview"));
                if (r.statusCode() == 200 && Json.read(r.body()).path("taskmanagers").asInt() >= 1) {
                    return;
                }
            } catch (IOException notYetListening) {
                // The REST endpoint opens a few seconds into the JobManager's start.
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no TaskManager registered at " + restUrl() + "/overview within " + START);
            }
            Thread.sleep(500);
        }
    }

    private void printLogTails() {
        logs.forEach((name, log) -> System.err.println("----- last lines of " + log + " -----\n" + tail(log)));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static Path requiredPath(String property, String what) {
        String value = System.getProperty(property);
        assertThat(value).as("system property %s (%s): run through Maven's failsafe (mvn verify)", property, what).isNotBlank();
        Path path = Path.of(value).toAbsolutePath().normalize();
        assertThat(path).as("%s: %s; build it with `mvn -B verify` from the repository root", property, what).exists();
        return path;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
