package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.TrafficScenarios;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measured on the standard scenarios: the HopSkipJump-like attack alarms at query 10 (the first query
 * with a verdict); benign clients' low-margin share peaks at 0.4 (p99 over 200 clients, 10-query
 * windows; 7% of benign queries are low-margin), their flip share at 0; 0 of 200 alarm.
 */
class BoundaryProbeDetectorTest {
    private static TrafficScenarios world;
    private static BoundaryProbeDetector detector;

    @BeforeAll
    static void setUp() {
        world = TrafficScenarios.standard();
        detector = new BoundaryProbeDetector(BoundaryProbeSettings.defaults(), world.baseline());
    }

    @Test
    void hopSkipJumpFiresWithin20Queries() {
        for (long seed = 3; seed < 13; seed++) {
            assertThat(DetectorRuns.firstAlarm(detector, world.hopSkipJump("hsja", 200, seed))).as("seed %d", seed).isBetween(10, 20);
        }
    }

    @Test
    void evidenceNamesBothFractions() {
        List<ServingDetection> hits = DetectorRuns.detections(detector, detector.newState(), world.hopSkipJump("hsja", 20, 3));
        assertThat(hits).isNotEmpty();
        Map<String, Object> ev = hits.get(0).detection().evidence();
        assertThat(ev).containsKeys("low_margin_fraction", "flip_fraction", "low_margin_threshold", "flip_threshold", "window_queries");
        assertThat(hits.get(0).detection().score()).isBetween(0.5, 1.0);
    }

    @Test
    void baselineThresholdsWin() {
        BoundaryProbeDetector strict = new BoundaryProbeDetector(
                BoundaryProbeSettings.defaults(),
                world.baseline(Map.of("boundary_probe", Map.of("low_margin_fraction", 0.99, "flip_fraction", 0.99))));
        assertThat(DetectorRuns.firstAlarm(strict, world.hopSkipJump("hsja", 200, 3))).isEqualTo(-1);
    }

    @Test
    void calibratedThresholdsFromBenignTrafficKeepTheAttackVisible() {
        Map<String, Object> t = BoundaryProbeDetector.calibrate(
                world.benignPopulation(200, 600, 5), BoundaryProbeSettings.defaults(), world.baseline(), 99);
        System.out.println("boundary_probe calibrated p99 thresholds: " + t);
        assertThat((double) t.get("low_margin_fraction")).isBetween(0.1, 0.5);
        assertThat((double) t.get("flip_fraction")).isEqualTo(0.1); // benign flips never seen: the 1/min-queries floor
        BoundaryProbeDetector calibrated = new BoundaryProbeDetector(BoundaryProbeSettings.defaults(), world.baseline(Map.of("boundary_probe", t)));
        assertThat(DetectorRuns.firstAlarm(calibrated, world.hopSkipJump("hsja", 200, 3))).isBetween(10, 20);
        assertThat(DetectorRuns.alertedClients(calibrated, world.benignPopulation(200, 600, 6))).isLessThanOrEqualTo(4);
    }

    @Test
    void benignClientsStayQuiet() {
        List<List<InferenceEvent>> clients = world.benignPopulation(200, 600, 5);
        assertThat(DetectorRuns.alertedClients(detector, clients)).isLessThanOrEqualTo(2);
        assertThat(DetectorRuns.firstAlarm(detector, world.batchScorer("batch", 10_000, 9))).isEqualTo(-1);
        assertThat(DetectorRuns.firstAlarm(detector, world.retrying("retry", 3_000, 10))).isEqualTo(-1);
    }

    @Test
    void stateIsBoundedAfter10000Events() throws Exception {
        BoundaryProbeState s = detector.newState();
        DetectorRuns.detections(detector, s, world.batchScorer("batch", 10_000, 9));
        assertThat(s.lowMargin).hasSize(200);
        assertThat(s.flip).hasSize(200);
        assertThat(s.times).hasSize(200);
        assertThat(s.lastVectors).hasSize(8 * 8);
        assertThat(s.lastLabels).hasSize(8);
        int low = 0;
        for (byte b : s.lowMargin) {
            low += b;
        }
        assertThat(s.lowMarginCount).isEqualTo(low);
        long bytes = DetectorRuns.stateBytes(s);
        System.out.println("boundary_probe state bytes (d=8): " + bytes);
        assertThat(bytes).isLessThan(8 * 1024);
    }

    @Test
    void sameSeedSameResult() {
        assertThat(DetectorRuns.detections(detector, detector.newState(), world.hopSkipJump("h", 100, 5)))
                .isEqualTo(DetectorRuns.detections(detector, detector.newState(), world.hopSkipJump("h", 100, 5)));
    }
}
