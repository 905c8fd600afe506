package io.modelwarden.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.config.Config;
import io.modelwarden.json.Json;
import io.modelwarden.monitor.MonitorJob;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's own metrics, read over HTTP from Flink's Prometheus reporter while the job runs, as a
 * Prometheus server would scrape them: the names the README documents and the dashboard queries,
 * with values that the traffic must have moved.
 */
class PrometheusMetricsTest {
    static final int PORT = freePort();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(reporter())
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @TempDir
    Path dir;

    static Configuration reporter() {
        Configuration c = new Configuration();
        c.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.setString("metrics.reporter.prom.port", String.valueOf(PORT));
        return c;
    }

    @Test
    void theMonitorsMetricsAreScrapedFromTheReporterWhileTheJobRuns() throws Exception {
        List<String> traffic = Files.readAllLines(Path.of("..", "samples", "traffic.jsonl"));
        Config config = Config.defaults().withAll(Map.of("monitor.sinks.file.dir", dir.toString(), "monitor.checkpoint.interval", "0"));
        StreamExecutionEnvironment flink = StreamExecutionEnvironment.getExecutionEnvironment();
        flink.setParallelism(1);
        DataStream<String> raw = flink.fromSource(
                new DataGeneratorSource<>(new Replay(traffic), Long.MAX_VALUE, RateLimiterStrategy.perSecond(4_000), Types.STRING),
                WatermarkStrategy.noWatermarks(), "replay");
        new MonitorJob(config, Map.of(), null, Clock.systemUTC(), Map.of()).build(flink, raw);
        JobClient job = flink.executeAsync("warden-monitor-metrics");
        try {
            String page = scrapeUntil(job, p -> value(p, "warden_threat_detector_alerts\\{") > 0
                    && value(p, "warden_eventsObserved\\{") > traffic.size()
                    && value(p, "warden_eventsRejected\\{") > 0);
            assertThat(value(page, "flink_taskmanager_job_task_operator_warden_eventsParsed\\{")).isPositive();
            assertThat(value(page, "flink_taskmanager_job_task_operator_warden_activeKeys\\{")).isPositive();
            assertThat(value(page, "flink_taskmanager_job_task_operator_warden_alertsEmitted\\{")).isPositive();
            assertThat(page).contains("flink_taskmanager_job_task_operator_warden_eventsLate{")
                    .contains("flink_taskmanager_job_task_operator_warden_keysExpired{")
                    .containsPattern("warden_threat_detector_alerts\\{[^}]*detector=\"prada\"[^}]*\\}")
                    .containsPattern("warden_threat_detector_alerts\\{[^}]*threat=\"MODEL_STEALING\"[^}]*\\}");
        } finally {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }

    /** The sample traffic over and over, each round an hour later, with one malformed line per round. */
    static final class Replay implements GeneratorFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final List<String> lines;

        Replay(List<String> lines) {
            this.lines = List.copyOf(lines);
        }

        @Override
        public String map(Long index) throws Exception {
            int round = (int) (index / (lines.size() + 1));
            int at = (int) (index % (lines.size() + 1));
            if (at == lines.size()) {
                return "{not json";
            }
            ObjectNode e = (ObjectNode) Json.MAPPER.readTree(lines.get(at));
            Instant t = Instant.parse(e.get("timestamp").asText()).plus(Duration.ofHours(round));
            e.put("timestamp", t.toString());
            e.put("event_id", e.get("event_id").asText() + "-r" + round);
            return Json.MAPPER.writeValueAsString(e);
        }
    }

    interface PagePredicate {
        boolean test(String page);
    }

    static String scrapeUntil(JobClient job, PagePredicate done) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://localhost:" + PORT + "/metrics")).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String page = "";
        while (System.nanoTime() < deadline) {
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                job.getJobExecutionResult().get(); // throws the job's failure
                throw new AssertionError("the job ended before its metrics were scraped");
            }
            try {
                page = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
                if (done.test(page)) {
                    return page;
                }
            } catch (IOException notYet) {
                // the reporter's server is not up yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("metrics did not reach the expected values in 90 s; last scrape:\n"
                + page.lines().filter(l -> l.contains("warden_")).reduce("", (a, b) -> a + b + "\n"));
    }

    /** The sum of the samples whose line starts with a metric matching {@code prefix}. */
    static double value(String page, String prefix) {
        Matcher m = Pattern.compile("(?m)^\\S*" + prefix + "[^}]*\\}\\s+(\\S+)$").matcher(page);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
