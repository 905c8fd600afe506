package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measured on the standard scenarios (d = 8, tau calibrated on the 5,000 training rows = ~1.55):
 * HopSkipJump-like and near-duplicate attacks (sigma 0.05-0.2) alarm at query 53 (k + min-consecutive)
 * for all seeds 1..10; JBDA-like extraction at 243-510; uniform probing never. Benign: 0 of 1,000 clients
 * (50-3,000 queries), the batch scorer and the retrying client raise nothing. With min-consecutive = 1
 * (the paper's rule) 514 of those 1,000 benign clients alarm and the batch scorer alarms at query 2,665:
 * a 0.1% per-query false-positive rate is far too high per client at these volumes.
 */
class StatefulKnnDetectorTest {
    private static TrafficScenarios world;
    private static double tau;
    private static StatefulKnnDetector detector;

    @BeforeAll
    static void setUp() {
        world = TrafficScenarios.standard();
        tau = StatefulKnnDetector.calibrateTau(world.zTraining(), 50, 0.1, 7);
        detector = new StatefulKnnDetector(StatefulKnnSettings.defaults(), world.baseline(Map.of("stateful_knn", Map.of("tau", tau))));
    }

    @Test
    void calibrationIsDeterministicAndUsedFromTheBaseline() {
        assertThat(StatefulKnnDetector.calibrateTau(world.zTraining(), 50, 0.1, 7)).isEqualTo(tau);
        assertThat(tau).isBetween(0.5, 3.0);
        assertThat(detector.tau()).isEqualTo(tau);
        assertThat(new StatefulKnnDetector(StatefulKnnSettings.defaults(), world.baseline()).tau()).isEqualTo(0.5);
    }

    @Test
    void queryBasedAttacksFireAtKPlusMinConsecutive() {
        assertThat(DetectorRuns.firstAlarm(detector, world.hopSkipJump("hsja", 500, 3))).isEqualTo(53);
        assertThat(DetectorRuns.firstAlarm(detector, world.nearDuplicates("nes", 500, 0.05, 4))).isEqualTo(53);
    }

    @Test
    void alarmClearsTheBufferAndRepeats() {
        StatefulKnnState s = detector.newState();
        List<ServingDetection> hits = DetectorRuns.detections(detector, s, world.nearDuplicates("nes", 212, 0.05, 4));
        assertThat(hits).hasSize(4); // one alarm per 53 queries
        assertThat(s.alarms).isEqualTo(4);
        assertThat(s.size()).isZero();
        Map<String, Object> ev = hits.get(0).detection().evidence();
        assertThat((double) ev.get("s")).isLessThan(tau);
        assertThat(ev).containsEntry("tau", tau).containsEntry("k", 50).containsEntry("tau_source", "baseline");
    }

    @Test
    void ringsGrownAsQueriesArriveGiveWhatFullSizeRingsGive() {
        // Full size: as the rings were allocated before they grew lazily, and as a savepoint of then holds them.
        StatefulKnnState full = detector.newState();
        full.columns = new byte[500 * 8];
        full.times = new int[500];
        full.recent = new long[32];
        List<ServingDetection> expected = DetectorRuns.detections(detector, full, mixed());
        StatefulKnnState grown = detector.newState();
        List<ServingDetection> actual = DetectorRuns.detections(detector, grown, mixed());
        assertThat(expected).hasSizeGreaterThan(1);
        assertThat(actual).isEqualTo(expected);
        assertThat(grown.lastScore).isEqualTo(full.lastScore);
        assertThat(grown.columns).hasSize(full.columns.length);
    }

    @Test
    void stateOfEarlierBuildsWithTheRowMajorBufferGoesOnAsIfNeverMoved() {
        List<InferenceEvent> events = mixed();
        List<InferenceEvent> before = events.subList(0, 600);
        List<InferenceEvent> after = events.subList(600, events.size());
        StatefulKnnState kept = detector.newState();
        DetectorRuns.detections(detector, kept, before);
        // The same state as an earlier build would have checkpointed it: the ring row-major in `buffer`.
        StatefulKnnState restored = detector.newState();
        restored.dims = kept.dims;
        restored.times = kept.times.clone();
        restored.timeBase = kept.timeBase;
        restored.count = kept.count;
        restored.consecutive = kept.consecutive;
        restored.recent = kept.recent.clone();
        restored.recentNext = kept.recentNext;
        int slots = kept.columns.length / kept.dims;
        restored.buffer = new byte[kept.columns.length];
        for (int i = 0; i < slots; i++) {
            for (int j = 0; j < kept.dims; j++) {
                restored.buffer[i * kept.dims + j] = kept.columns[j * slots + i];
            }
        }
        List<ServingDetection> expected = DetectorRuns.detections(detector, kept, after);
        assertThat(expected).isNotEmpty();
        assertThat(DetectorRuns.detections(detector, restored, after)).isEqualTo(expected);
        assertThat(restored.buffer).isEmpty();
        assertThat(restored.columns).isEqualTo(kept.columns);
    }

    /** 700 benign queries (the buffer wraps), then near-duplicates (alarms that clear it). */
    private static List<InferenceEvent> mixed() {
        List<InferenceEvent> events = new ArrayList<>(world.benign("b", 700, 1.0, 5));
        events.addAll(world.nearDuplicates("b", 200, 0.05, 4));
        return events;
    }

    @Test
    void benignClientsStayQuiet() {
        List<List<InferenceEvent>> clients = world.benignPopulation(200, 600, 5);
        assertThat(DetectorRuns.alertedClients(detector, clients)).isLessThanOrEqualTo(2);
        assertThat(DetectorRuns.firstAlarm(detector, world.batchScorer("batch", 10_000, 9))).isEqualTo(-1);
        assertThat(DetectorRuns.firstAlarm(detector, world.retrying("retry", 3_000, 10))).isEqualTo(-1);
    }

    @Test
    void withoutTheRetryFilterTheRetryingClientWouldAlarm() {
        StatefulKnnDetector noFilter = new StatefulKnnDetector(
                new StatefulKnnSettings(50, 500, tau, 3, 0.1, 0, Duration.ofHours(24)), world.baseline(Map.of("stateful_knn", Map.of("tau", tau))));
        assertThat(DetectorRuns.firstAlarm(noFilter, world.retrying("retry", 3_000, 10))).isPositive();
    }

    @Test
    void stateIsBoundedAfter10000Events() throws Exception {
        StatefulKnnState s = detector.newState();
        DetectorRuns.detections(detector, s, world.batchScorer("batch", 10_000, 9));
        assertThat(s.columns).hasSize(500 * 8);
        assertThat(s.buffer).isEmpty();
        assertThat(s.times).hasSize(500);
        assertThat(s.size()).isEqualTo(500);
        long bytes = DetectorRuns.stateBytes(s);
        System.out.println("stateful_knn state bytes (N=500, d=8): " + bytes);
        assertThat(bytes).isLessThan(24 * 1024);
    }

    @Test
    void sameSeedSameResult() {
        List<ServingDetection> x = DetectorRuns.detections(detector, detector.newState(), world.hopSkipJump("h", 300, 8));
        List<ServingDetection> y = DetectorRuns.detections(detector, detector.newState(), world.hopSkipJump("h", 300, 8));
        assertThat(x).isNotEmpty().isEqualTo(y);
    }
}
