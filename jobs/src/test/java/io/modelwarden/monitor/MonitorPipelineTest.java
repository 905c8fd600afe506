package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.SplitAccountSettings;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The monitor's pipeline on a MiniCluster (parallelism 2): attackers alerted, benign clients quiet, replays stable. */
class MonitorPipelineTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final TrafficScenarios TRAFFIC = TrafficScenarios.standard();

    static List<Alert> run(List<InferenceEvent> events) throws Exception {
        Config c = Config.defaults();
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        DataStream<InferenceEvent> stream = env.fromData(events, TypeInformation.of(InferenceEvent.class))
                .assignTimestampsAndWatermarks(WatermarkStrategy.<InferenceEvent>forBoundedOutOfOrderness(Duration.ofSeconds(5))
                        .withTimestampAssigner((e, t) -> e.timestampMillis));
        DetectorCatalog catalog = DetectorCatalog.build(c, Map.of(TrafficScenarios.MODEL_ID, TRAFFIC.baseline()), null);
        RiskPolicy risk = RiskPolicy.fromConfig(c);
        MonitorPipeline pipeline = new MonitorPipeline(catalog, new SplitAccountTracker(SplitAccountSettings.fromConfig(c)),
                new AlertFactory(risk, Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC)),
                new AlertSuppression(AlertSettings.fromConfig(c)), risk);
        return pipeline.apply(stream).executeAndCollect("monitor-test", 100_000);
    }

    @Test
    void attackersAreAlertedAndBenignClientsStayQuiet() throws Exception {
        List<List<InferenceEvent>> streams = new ArrayList<>(TRAFFIC.benignPopulation(60, 300, 11));
        streams.add(TRAFFIC.jbdaExtraction("extractor", 400, 12));
        streams.add(TRAFFIC.hopSkipJump("boundary", 60, 13));
        List<InferenceEvent> events = TrafficScenarios.merge(streams);

        List<Alert> alerts = run(events);

        Set<String> alerted = new TreeSet<>();
        Set<Threat> extractorThreats = new HashSet<>();
        Set<Threat> boundaryThreats = new HashSet<>();
        for (Alert a : alerts) {
            alerted.add(a.clientId);
            if (a.clientId.equals("extractor")) {
                extractorThreats.add(a.threat);
            }
            if (a.clientId.equals("boundary")) {
                boundaryThreats.add(a.threat);
            }
            assertThat(a.score).isBetween(0.0, 1.0);
            assertThat(a.evidenceJson).startsWith("{");
            assertThat(a.eventTimeMillis).isBetween(a.windowStartMillis, a.windowEndMillis);
        }
        assertThat(extractorThreats).contains(Threat.MODEL_STEALING);
        assertThat(boundaryThreats).contains(Threat.ADVERSARIAL);
        long benignAlerted = alerted.stream().filter(id -> !id.equals("extractor") && !id.equals("boundary")).count();
        assertThat(benignAlerted).as("benign clients alerted: %s", alerted).isLessThanOrEqualTo(1);

        // A replay gives the same alerts with the same ids (deterministic ids, fixed clock).
        List<String> first = alerts.stream().map(a -> a.alertId).sorted().toList();
        List<String> second = run(events).stream().map(a -> a.alertId).sorted().toList();
        assertThat(second).isEqualTo(first);
    }

    /**
     * The IP guard: client ids that share one IP (the guide's split accounts) raise the risk of their
     * extraction alerts, and an IP whose clients each stay under the per-client rate limit but together
     * exceed it gets the IP rate alert. Both IPs start well after the monitor's first event (an IP seen
     * in the monitor's first minutes is judged by the flood cap, not the static limit).
     */
    @Test
    void clientsSharingAnIpRaiseTheirRiskAndTheirJointRateAlerts() throws Exception {
        long later = 2 * 3_600_000L; // every client of both IPs starts then
        List<List<InferenceEvent>> streams = new ArrayList<>(TRAFFIC.benignPopulation(10, 100, 21));
        for (int c = 0; c < 6; c++) {
            List<InferenceEvent> extractor = TRAFFIC.jbdaExtraction("split-" + c, 300, 30 + c);
            streams.add(onIp(extractor, "203.0.113.9", later));
        }
        for (int c = 0; c < 6; c++) {
            streams.add(onIp(TRAFFIC.benign("busy-" + c, 400, 2.0, 40 + c), "198.51.100.7", later));
        }

        List<Alert> alerts = run(TrafficScenarios.merge(streams));

        List<Alert> raised = alerts.stream().filter(a -> a.clientId.startsWith("split-") && a.evidenceJson.contains("\"split_accounts\"")).toList();
        assertThat(raised).as("extraction alerts of the shared IP with split_accounts evidence").isNotEmpty();
        for (Alert a : raised) {
            assertThat(a.threat).isIn(Threat.MODEL_STEALING, Threat.ADVERSARIAL);
            var split = io.modelwarden.json.Json.read(a.evidenceJson).get("split_accounts");
            assertThat(split.get("clients_behind_ip").asInt()).isGreaterThan(3);
            assertThat(a.riskScore).isGreaterThanOrEqualTo(split.get("risk_score_before").asInt());
        }
        List<Alert> ipRate = alerts.stream().filter(a -> a.detector.equals(IpGuardFunction.IP_RATE_ID)).toList();
        assertThat(ipRate).extracting(a -> a.sourceIp).contains("198.51.100.7");
        assertThat(alerts).as("no busy client alone exceeds the per-client limit")
                .noneMatch(a -> a.clientId.startsWith("busy-") && a.detector.equals("rate_limit"));
    }

    /** The events moved to {@code ip}, their first at {@code start} after the scenarios' start. */
    private static List<InferenceEvent> onIp(List<InferenceEvent> events, String ip, long start) {
        long shift = TrafficScenarios.START_MILLIS + start - events.get(0).timestampMillis;
        for (InferenceEvent e : events) {
            e.sourceIp = ip;
            e.timestampMillis += shift;
        }
        return events;
    }
}
