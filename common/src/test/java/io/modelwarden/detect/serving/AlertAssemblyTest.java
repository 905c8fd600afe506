package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.Detection;
import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Priority;
import io.modelwarden.model.Stride;
import io.modelwarden.model.Threat;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.synth.TrafficScenarios;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertAssemblyTest {
    private static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");
    private final AlertFactory factory = new AlertFactory(RiskPolicy.defaults(), Clock.fixed(NOW, ZoneOffset.UTC));
    private final TrafficScenarios world = TrafficScenarios.standard();

    private InferenceEvent trigger() {
        return world.event("client-7", 42, TrafficScenarios.START_MILLIS + 5_000, new double[8]);
    }

    private static ServingDetection detection(double score, long start, long end) {
        return new ServingDetection(Detection.of(score, Map.of("statistic", "w", "w", 0.7)), start, end);
    }

    @Test
    void buildsTheAlertFromDetectionPolicyAndClock() {
        InferenceEvent e = trigger();
        PradaDetector prada = new PradaDetector(PradaSettings.defaults(), null);
        Alert a = factory.create(detection(0.95, e.timestampMillis - 1_000, e.timestampMillis), prada, e);
        assertThat(a.detector).isEqualTo("prada");
        assertThat(a.threat).isEqualTo(Threat.MODEL_STEALING);
        assertThat(a.stride).isEqualTo(Stride.INFORMATION_DISCLOSURE);
        assertThat(a.riskScore).isEqualTo(9);
        assertThat(a.priority).isEqualTo(Priority.CRITICAL);
        assertThat(a.likelihood).isEqualTo("HIGH"); // the guide's cell for model stealing: High x Critical
        assertThat(a.impact).isEqualTo("CRITICAL");
        assertThat(a.detectedAtMillis).isEqualTo(NOW.toEpochMilli());
        assertThat(a.eventTimeMillis).isEqualTo(e.timestampMillis);
        assertThat(a.windowStartMillis).isEqualTo(e.timestampMillis - 1_000);
        assertThat(a.windowEndMillis).isEqualTo(e.timestampMillis);
        assertThat(a.modelId).isEqualTo(TrafficScenarios.MODEL_ID);
        assertThat(a.clientId).isEqualTo("client-7");
        assertThat(a.sourceIp).isEqualTo(e.sourceIp);
        assertThat(Json.read(a.evidenceJson).get("w").asDouble()).isEqualTo(0.7);
    }

    @Test
    void adversarialAlertsFollowTheMatrix() {
        InferenceEvent e = trigger();
        Alert high = factory.create(detection(0.7, e.timestampMillis, e.timestampMillis), "boundary_probe", Threat.ADVERSARIAL, e);
        assertThat(high.riskScore).isEqualTo(7);
        assertThat(high.priority).isEqualTo(Priority.HIGH);
        assertThat(high.stride).isEqualTo(Stride.TAMPERING);
        Alert weak = factory.create(detection(0.3, e.timestampMillis, e.timestampMillis), "boundary_probe", Threat.ADVERSARIAL, e);
        assertThat(weak.riskScore).isEqualTo(5); // likelihood lowered one step: Medium x Medium
    }

    @Test
    void alertIdIsDeterministicAndDependsOnEachPart() {
        InferenceEvent e = trigger();
        ServingDetection d = detection(0.8, 1_000, e.timestampMillis);
        AlertFactory later = new AlertFactory(RiskPolicy.defaults(), Clock.fixed(NOW.plusSeconds(3600), ZoneOffset.UTC));
        String id = factory.create(d, "prada", Threat.MODEL_STEALING, e).alertId;
        assertThat(later.create(d, "prada", Threat.MODEL_STEALING, e).alertId).isEqualTo(id); // not the clock
        assertThat(id).hasSize(32).isEqualTo(AlertFactory.alertId("prada", TrafficScenarios.MODEL_ID, "client-7", 1_000, "client-7-42"));
        assertThat(List.of(
                        AlertFactory.alertId("blacklight", TrafficScenarios.MODEL_ID, "client-7", 1_000, "client-7-42"),
                        AlertFactory.alertId("prada", "other", "client-7", 1_000, "client-7-42"),
                        AlertFactory.alertId("prada", TrafficScenarios.MODEL_ID, "client-8", 1_000, "client-7-42"),
                        AlertFactory.alertId("prada", TrafficScenarios.MODEL_ID, "client-7", 1_001, "client-7-42"),
                        AlertFactory.alertId("prada", TrafficScenarios.MODEL_ID, "client-7", 1_000, "client-7-43")))
                .doesNotContain(id)
                .doesNotHaveDuplicates();
    }

    private static Alert alert(String detector, long time, double score) {
        Alert a = new Alert();
        a.detector = detector;
        a.eventTimeMillis = time;
        a.score = score;
        return a;
    }

    @Test
    void suppressionHoldsRepeatsWithinTheCooldown() {
        AlertSuppression sup = new AlertSuppression(new AlertSettings(Duration.ofMinutes(10), 0.1));
        SuppressionState s = sup.newState();
        long t = 1_000_000;
        assertThat(sup.admit(s, alert("prada", t, 0.6))).isTrue();
        assertThat(sup.admit(s, alert("prada", t + 60_000, 0.65))).isFalse(); // rise 0.05 <= delta
        assertThat(sup.admit(s, alert("blacklight", t + 60_000, 0.6))).isTrue(); // another detector
        assertThat(sup.admit(s, alert("prada", t + 120_000, 0.75))).isTrue(); // rise 0.15 > delta
        assertThat(sup.admit(s, alert("prada", t + 180_000, 0.8))).isFalse(); // measured from the last emitted (0.75)
        assertThat(sup.admit(s, alert("prada", t + 120_000 + 600_000, 0.5))).isTrue(); // cooldown over
        assertThat(s.suppressed).isEqualTo(2);
        assertThat(s.detectors).containsExactly("prada", "blacklight");
    }

    @Test
    void suppressionOfAnAttackStream() throws Exception {
        BlacklightDetector d = new BlacklightDetector(BlacklightSettings.defaults(), world.baseline());
        AlertSuppression sup = new AlertSuppression(AlertSettings.defaults());
        SuppressionState ss = sup.newState();
        BlacklightState s = d.newState();
        int raw = 0;
        int emitted = 0;
        for (InferenceEvent e : world.nearDuplicates("nes", 2_000, 0.05, 4)) { // 10 qps: 200 s
            var hit = d.observe(s, e);
            if (hit.isPresent()) {
                raw++;
                if (sup.admit(ss, factory.create(hit.get(), d, e))) {
                    emitted++;
                }
            }
        }
        assertThat(raw).isGreaterThan(1_000);
        assertThat(emitted).isBetween(1, 3);
        assertThat(DetectorRuns.stateBytes(ss)).isLessThan(1024);
    }

    @Test
    void detectorsAndFactoriesAreJavaSerialisable() throws Exception {
        ServingBaseline b = world.baseline();
        for (Object o : List.of(
                new PradaDetector(PradaSettings.defaults(), b),
                new StatefulKnnDetector(StatefulKnnSettings.defaults(), b),
                new BlacklightDetector(BlacklightSettings.defaults(), b),
                new BoundaryProbeDetector(BoundaryProbeSettings.defaults(), b),
                factory,
                new AlertSuppression(AlertSettings.defaults()))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(o);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                assertThat(in.readObject()).isInstanceOf(o.getClass());
            }
        }
    }
}
