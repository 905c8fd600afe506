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

/** The per-IP operator on a test harness: the IP rate alert, state across snapshot/restore, and cleanup after idleness. */
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
