package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.synth.AbuseScenarios;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The keyed detector function: alerts, state cleanup after idleness, and state across snapshot/restore. */
class ServingDetectorsFunctionTest {
    static final TrafficScenarios TRAFFIC = TrafficScenarios.standard();
    static final Config CONFIG = Config.defaults();

    static ServingDetectorsFunction function() {
        DetectorCatalog catalog = DetectorCatalog.build(CONFIG, Map.of(TrafficScenarios.MODEL_ID, TRAFFIC.baseline()), null);
        AlertFactory alerts = new AlertFactory(RiskPolicy.fromConfig(CONFIG), Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC));
        return new ServingDetectorsFunction(catalog, alerts, new AlertSuppression(AlertSettings.fromConfig(CONFIG)));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, InferenceEvent, Alert> harness() throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, InferenceEvent, Alert> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(function(), InferenceEvent::clientKey, Types.STRING);
        h.open();
        return h;
    }

    /** The alerts a harness has emitted so far. */
    static List<Alert> alerts(AbstractStreamOperatorTestHarness<Alert> h) {
        List<Alert> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof Alert a) {
                out.add(a);
            }
        }
        return out;
    }

    @Test
    void anExtractionAttackerIsAlertedAndItsStateIsGoneAfterIdleness() throws Exception {
        List<InferenceEvent> attack = TRAFFIC.jbdaExtraction("attacker", 400, 3);
        try (var h = harness()) {
            for (InferenceEvent e : attack) {
                h.processElement(e, e.timestampMillis);
            }
            assertThat(alerts(h)).extracting(a -> a.clientId).contains("attacker");
            assertThat(h.numKeyedStateEntries()).isGreaterThan(0);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            long last = attack.get(attack.size() - 1).timestampMillis;
            h.processWatermark(new Watermark(last + java.time.Duration.ofDays(2).toMillis()));
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void stateSurvivesSnapshotAndRestore() throws Exception {
        List<InferenceEvent> attack = TRAFFIC.jbdaExtraction("attacker", 400, 5);
        List<String> continuous;
        try (var h = harness()) {
            for (InferenceEvent e : attack) {
                h.processElement(e, e.timestampMillis);
            }
            continuous = ids(alerts(h));
        }
        assertThat(continuous).isNotEmpty();

        int half = attack.size() / 2;
        List<String> resumed = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            for (InferenceEvent e : attack.subList(0, half)) {
                h.processElement(e, e.timestampMillis);
            }
            resumed.addAll(ids(alerts(h)));
            snapshot = h.snapshot(1, attack.get(half).timestampMillis);
        }
        KeyedOneInputStreamOperatorTestHarness<String, InferenceEvent, Alert> restored =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function()), InferenceEvent::clientKey, Types.STRING);
        restored.initializeState(snapshot);
        restored.open();
        try (restored) {
            for (InferenceEvent e : attack.subList(half, attack.size())) {
                restored.processElement(e, e.timestampMillis);
            }
            resumed.addAll(ids(alerts(restored)));
        }
        assertThat(resumed).containsExactlyElementsOf(continuous);
    }

    // ---- a model without a baseline: warm-up calibration ----

    static final AbuseScenarios ABUSE = AbuseScenarios.create(3);

    static KeyedOneInputStreamOperatorTestHarness<String, InferenceEvent, Alert> harnessWithoutBaseline(Config c) throws Exception {
        DetectorCatalog catalog = DetectorCatalog.build(c, Map.of(), null);
        AlertFactory alerts = new AlertFactory(RiskPolicy.fromConfig(c), Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC));
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new ServingDetectorsFunction(catalog, alerts,
                new AlertSuppression(AlertSettings.fromConfig(c)))), InferenceEvent::clientKey, Types.STRING);
    }

    /** Ten minutes of benign clients; five minutes in, one-feature inversion sweeps from one client. */
    static List<InferenceEvent> benignThenInversion(int clients) {
        return AbuseScenarios.merge(ABUSE.benignClients(clients, java.time.Duration.ofMinutes(10)),
                AbuseScenarios.shift(ABUSE.inversionSweep(5, 40), java.time.Duration.ofMinutes(5).toMillis()));
    }

    static List<Alert> run(KeyedOneInputStreamOperatorTestHarness<String, InferenceEvent, Alert> h, List<InferenceEvent> events) throws Exception {
        for (InferenceEvent e : events) {
            h.processElement(e, e.timestampMillis);
        }
        return alerts(h);
    }

    @Test
    void aModelWithoutABaselineIsCalibratedByItsWarmupAndThenRunsTheDetectorsThatNeedOne() throws Exception {
        List<Alert> alerts;
        try (var h = harnessWithoutBaseline(CONFIG)) {
            h.open();
            alerts = run(h, benignThenInversion(200));
        }
        List<Alert> inversion = alerts.stream().filter(a -> a.detector.equals("model_inversion")).toList();
        assertThat(inversion).isNotEmpty().allMatch(a -> a.clientId.equals("inversion-client"));
        assertThat(inversion.get(0).evidenceJson).contains("\"warmup_calibration\"").contains("\"events\":2000");
        // The 200 benign clients, whose first events made the calibration, stay quiet under it.
        assertThat(alerts).extracting(a -> a.clientId).allMatch(c -> c.equals("inversion-client"));

        // With warm-up off, the detectors that need a baseline stay off for this model.
        try (var h = harnessWithoutBaseline(CONFIG.with("monitor.warmup.enabled", "false"))) {
            h.open();
            assertThat(run(h, benignThenInversion(200))).noneMatch(a -> a.detector.equals("model_inversion"));
        }
    }

    @Test
    void theWarmupCalibrationSurvivesSnapshotAndRestore() throws Exception {
        List<InferenceEvent> events = benignThenInversion(100); // the harness keeps snapshots in memory, at most 5 MiB
        long attackStart = ABUSE.inversionSweep(5, 40).get(0).timestampMillis + java.time.Duration.ofMinutes(5).toMillis();
        int cut = 0;
        while (events.get(cut).timestampMillis < attackStart) {
            cut++;
        }
        List<String> continuous;
        try (var h = harnessWithoutBaseline(CONFIG)) {
            h.open();
            continuous = ids(run(h, events));
        }
        OperatorSubtaskState snapshot;
        List<String> resumed;
        try (var h = harnessWithoutBaseline(CONFIG)) {
            h.open();
            resumed = new ArrayList<>(ids(run(h, events.subList(0, cut))));
            snapshot = h.snapshot(1, events.get(cut).timestampMillis);
        }
        assertThat(resumed).isEmpty(); // calibrated before the cut, nothing alerted yet
        try (var restored = harnessWithoutBaseline(CONFIG)) {
            restored.initializeState(snapshot);
            restored.open();
            resumed.addAll(ids(run(restored, events.subList(cut, events.size()))));
        }
        assertThat(continuous).isNotEmpty();
        assertThat(resumed).containsExactlyElementsOf(continuous);
    }

    private static List<String> ids(List<Alert> alerts) {
        List<String> out = new ArrayList<>();
        for (Alert a : alerts) {
            out.add(a.alertId);
        }
        return out;
    }

    @Test
    void theCleanupTimerIsRoundedUpToATwentyFourthOfTheIdleTimeout() {
        long day = java.time.Duration.ofDays(1).toMillis();
        long hour = java.time.Duration.ofHours(1).toMillis();
        long t0 = TrafficScenarios.START_MILLIS + 1_234;
        java.util.Set<Long> times = new java.util.TreeSet<>();
        for (long t = t0; t < t0 + hour; t += 1_000) { // a key busy for an hour, one event a second
            long at = CleanupTimer.time(t, day);
            assertThat(at).isGreaterThan(t + day).isLessThanOrEqualTo(t + day + hour);
            assertThat(at % hour).isZero();
            times.add(at);
        }
        assertThat(times).as("timer moves in an hour of traffic at a 24 h timeout").hasSizeLessThanOrEqualTo(2);
        long minute = 60_000;
        long tenMinutes = 10 * minute;
        assertThat(CleanupTimer.time(t0, tenMinutes) - (t0 + tenMinutes)).isBetween(1L, minute);
        assertThat(CleanupTimer.time(t0, 365 * day) - (t0 + 365 * day)).isBetween(1L, hour);
    }
}
