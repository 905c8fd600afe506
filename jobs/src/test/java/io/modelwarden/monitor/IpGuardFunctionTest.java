package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.RateDetector;
import io.modelwarden.detect.serving.RateSettings;
import io.modelwarden.detect.serving.SplitAccountSettings;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The per-IP operator on a test harness: the IP rate alert, alerts that overtake their IP's events, state across snapshot/restore, and cleanup after idleness. */
class IpGuardFunctionTest {
    static final TrafficScenarios TRAFFIC = TrafficScenarios.standard();
    static final Config CONFIG = Config.defaults();
    static final String IP = "198.51.100.7";

    static KeyedTwoInputStreamOperatorTestHarness<String, InferenceEvent, Alert, Alert> harness() throws Exception {
        RiskPolicy risk = RiskPolicy.fromConfig(CONFIG);
        IpGuardFunction f = new IpGuardFunction(RateDetector.ratesOnly(RateSettings.fromConfig(CONFIG)),
                new SplitAccountTracker(SplitAccountSettings.fromConfig(CONFIG)),
                new AlertFactory(risk, Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC)),
                new AlertSuppression(AlertSettings.fromConfig(CONFIG)), risk);
        return new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(f), InferenceEvent::ipKey, a -> a.modelId + "|" + a.sourceIp,
                Types.STRING);
    }

    /**
     * Six clients on one IP at 2 queries/s each from the same moment, as the pipeline sends them
     * (slimmed), two hours after another IP's first event: the monitor's start (an IP seen in the
     * monitor's first minutes is judged by the flood cap instead of the static limit).
     */
    static List<InferenceEvent> busyIp() {
        List<List<InferenceEvent>> streams = new ArrayList<>();
        InferenceEvent first = TRAFFIC.benign("early", 1, 1.0, 1).get(0).slim();
        first.timestampMillis = TrafficScenarios.START_MILLIS;
        streams.add(List.of(first));
        for (int c = 0; c < 6; c++) {
            List<InferenceEvent> s = TRAFFIC.benign("busy-" + c, 300, 2.0, 40 + c);
            long shift = TrafficScenarios.START_MILLIS + Duration.ofHours(2).toMillis() - s.get(0).timestampMillis;
            List<InferenceEvent> slim = new ArrayList<>();
            for (InferenceEvent e : s) {
                e.sourceIp = IP;
                e.timestampMillis += shift;
                slim.add(e.slim());
            }
            streams.add(slim);
        }
        return TrafficScenarios.merge(streams);
    }

    @Test
    void anIpOverItsLimitIsAlertedAndItsStateIsGoneAfterIdleness() throws Exception {
        List<InferenceEvent> events = busyIp();
        try (var h = harness()) {
            h.open();
            for (InferenceEvent e : events) {
                h.processElement1(e, e.timestampMillis);
            }
            assertThat(ServingDetectorsFunctionTest.alerts(h)).extracting(a -> a.detector).containsOnly(IpGuardFunction.IP_RATE_ID);
            assertThat(ServingDetectorsFunctionTest.alerts(h)).extracting(a -> a.sourceIp).containsOnly(IP);
            assertThat(h.numKeyedStateEntries()).isEqualTo(2); // the busy IP and the early one
            assertThat(h.numEventTimeTimers()).isEqualTo(2);

            long last = events.get(events.size() - 1).timestampMillis;
            h.processBothWatermarks(new Watermark(last + Duration.ofDays(2).toMillis()));
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /** An extraction alert of one of the busy IP's clients, at the time of that client's event i. */
    static Alert extractionAlert(InferenceEvent at) {
        Alert a = new Alert();
        a.alertId = "a-" + at.timestampMillis;
        a.detector = "prada";
        a.threat = io.modelwarden.model.Threat.MODEL_STEALING;
        a.modelId = at.modelId;
        a.clientId = at.clientId;
        a.sourceIp = IP;
        a.riskScore = 6;
        a.evidenceJson = "{}";
        a.eventTimeMillis = at.timestampMillis;
        return a;
    }

    /**
     * An alert that overtakes its IP's events (they come by another path) is held until the events up
     * to its time have arrived, then judged with every client seen by then; one that comes after them
     * passes at once; one whose IP's events never catch up is released when the watermark passes it,
     * and the state made only to hold it goes.
     */
    @Test
    void anAlertAheadOfItsIpsEventsWaitsForThem() throws Exception {
        List<InferenceEvent> events = busyIp();
        int at = 60; // by then all six clients have queried
        InferenceEvent trigger = events.get(at);
        try (var h = harness()) {
            h.open();
            for (InferenceEvent e : events.subList(0, 3)) {
                h.processElement1(e, e.timestampMillis);
            }
            h.processElement2(extractionAlert(trigger), trigger.timestampMillis);
            assertThat(ServingDetectorsFunctionTest.alerts(h)).isEmpty();
            for (InferenceEvent e : events.subList(3, at)) {
                h.processElement1(e, e.timestampMillis);
            }
            assertThat(ServingDetectorsFunctionTest.alerts(h)).as("still ahead of its IP's events").isEmpty();
            h.processElement1(trigger, trigger.timestampMillis);
            List<Alert> out = ServingDetectorsFunctionTest.alerts(h);
            assertThat(out).hasSize(1);
            var split = io.modelwarden.json.Json.read(out.get(0).evidenceJson).get("split_accounts");
            assertThat(split.get("clients_behind_ip").asInt()).isEqualTo(6);
            assertThat(out.get(0).riskScore).isGreaterThan(6);

            // After its IP's events: at once.
            h.processElement2(extractionAlert(events.get(at - 5)), events.get(at - 5).timestampMillis);
            assertThat(ServingDetectorsFunctionTest.alerts(h)).hasSize(2);
        }
        try (var h = harness()) {
            h.open();
            h.processElement2(extractionAlert(trigger), trigger.timestampMillis);
            assertThat(h.numKeyedStateEntries()).isEqualTo(2); // the key's state and its held alert
            h.processBothWatermarks(new Watermark(trigger.timestampMillis));
            List<Alert> out = ServingDetectorsFunctionTest.alerts(h);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).evidenceJson).doesNotContain("split_accounts");
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void theIpStateSurvivesSnapshotAndRestore() throws Exception {
        List<InferenceEvent> events = busyIp();
        // Cut before the IP's 100th query: its alert (at its 201st query within 60 s) comes after the
        // restore, and only if the restore kept the IP's counts.
        int half = 101;
        List<String> uninterrupted;
        try (var h = harness()) {
            h.open();
            for (InferenceEvent e : events) {
                h.processElement1(e, e.timestampMillis);
            }
            uninterrupted = ServingDetectorsFunctionTest.alerts(h).stream().map(a -> a.alertId).toList();
        }
        OperatorSubtaskState snapshot;
        int alertsBefore;
        List<String> restored = new ArrayList<>();
        try (var h = harness()) {
            h.open();
            for (InferenceEvent e : events.subList(0, half)) {
                h.processElement1(e, e.timestampMillis);
            }
            ServingDetectorsFunctionTest.alerts(h).forEach(a -> restored.add(a.alertId));
            alertsBefore = restored.size();
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            for (InferenceEvent e : events.subList(half, events.size())) {
                h.processElement1(e, e.timestampMillis);
            }
            ServingDetectorsFunctionTest.alerts(h).forEach(a -> restored.add(a.alertId));
        }
        assertThat(uninterrupted).isNotEmpty();
        assertThat(restored).isEqualTo(uninterrupted);
        assertThat(alertsBefore).as("the alert comes after the cut").isZero();
    }
}
