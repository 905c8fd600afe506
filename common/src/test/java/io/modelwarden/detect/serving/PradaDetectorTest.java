package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measured on the standard scenarios (seed 11, d = 8), first alarm over seeds 1..10: JBDA-like
 * extraction at queries 122-134, the HopSkipJump-like attack at 110; uniform random probing is NOT
 * caught by PRADA alone (W stays 0.985-0.998: nearest-neighbour distances of uniform points in 8
 * dimensions are close to normal), nor are Blacklight-style near-duplicates. Benign: 1 of 1,000 clients
 * (50-3,000 queries each) alarmed; the 10,000-query batch scorer and the retrying client raise nothing
 * (without the retry filter the retrying client alarms at query 110).
 */
class PradaDetectorTest {
    private static TrafficScenarios world;
    private static PradaDetector detector;

    @BeforeAll
    static void setUp() {
        world = TrafficScenarios.standard();
        detector = new PradaDetector(PradaSettings.defaults(), world.baseline());
    }

    @Test
    void jbdaExtractionFiresWithin200Queries() {
        int at = DetectorRuns.firstAlarm(detector, world.jbdaExtraction("thief", 400, 1));
        assertThat(at).isBetween(100, 200);
    }

    @Test
    void detectionCarriesTheEvidence() {
        PradaState s = detector.newState();
        List<ServingDetection> hits = DetectorRuns.detections(detector, s, world.jbdaExtraction("thief", 200, 1));
        assertThat(hits).isNotEmpty();
        ServingDetection d = hits.get(0);
        assertThat(d.detection().score()).isBetween(0.5, 1.0);
        Map<String, Object> ev = d.detection().evidence();
        assertThat((double) ev.get("w")).isLessThan(0.9);
        assertThat(ev).containsEntry("delta", 0.9).containsKeys("n", "growing_set_sizes", "p_value", "last_event_id");
        assertThat((int) ev.get("n")).isGreaterThan(100);
        assertThat(d.windowStartMillis()).isLessThan(d.windowEndMillis());
        assertThat(detector.threat()).isEqualTo(Threat.MODEL_STEALING);
        assertThat(detector.id()).isEqualTo("prada");
    }

    @Test
    void uniformProbingIsALimitationOfPradaAlone() {
        // Documented limitation: the coverage/OOD detector (S2) is the one meant to catch this.
        PradaState s = detector.newState();
        assertThat(DetectorRuns.detections(detector, s, world.uniformExtraction("prober", 2000, 2))).isEmpty();
        assertThat(s.lastW).isGreaterThan(0.95);
    }

    @Test
    void benignClientsStayQuiet() {
        List<List<InferenceEvent>> clients = world.benignPopulation(200, 600, 5);
        assertThat(DetectorRuns.alertedClients(detector, clients)).isLessThanOrEqualTo(2);
        assertThat(DetectorRuns.firstAlarm(detector, world.batchScorer("batch", 10_000, 9))).isEqualTo(-1);
        assertThat(DetectorRuns.firstAlarm(detector, world.retrying("retry", 3_000, 10))).isEqualTo(-1);
    }

    @Test
    void exactRetriesAreIgnored() {
        PradaState s = detector.newState();
        List<InferenceEvent> events = world.retrying("retry", 1_000, 10);
        DetectorRuns.detections(detector, s, events);
        assertThat(s.queries).isLessThan(events.size() / 2); // ~70% of the events are retries
    }

    @Test
    void withoutTheRetryFilterTheRetryingClientWouldAlarm() {
        PradaDetector noFilter = new PradaDetector(
                new PradaSettings(0.9, 10, 100, 10, 3.0, 8, 64, 256, 0, Duration.ofHours(24)), world.baseline());
        assertThat(DetectorRuns.firstAlarm(noFilter, world.retrying("retry", 3_000, 10))).isPositive();
    }

    @Test
    void stateIsBoundedAfter10000Events() throws Exception {
        PradaState s = detector.newState();
        DetectorRuns.detections(detector, s, world.batchScorer("batch", 10_000, 9));
        PradaSettings p = PradaSettings.defaults();
        int classes = s.classes();
        assertThat(classes).isEqualTo(3);
        assertThat(s.growingColumns).hasSize(classes * p.growingSetCap() * 8);
        assertThat(s.growing).isEmpty();
        assertThat(s.distances).hasSize(classes * p.distanceWindow());
        assertThat(s.distanceTimes).hasSize(classes * p.distanceWindow());
        assertThat(s.recent).hasSize(p.recentRepeats());
        long bytes = DetectorRuns.stateBytes(s);
        System.out.println("prada state bytes (3 classes, d=8): " + bytes);
        assertThat(bytes).isLessThan(20 * 1024);
    }

    @Test
    void classesBeyondTheCapAreSkipped() {
        PradaDetector two = new PradaDetector(
                new PradaSettings(0.9, 10, 100, 10, 3.0, 2, 64, 256, 32, Duration.ofHours(1)), world.baseline());
        PradaState s = two.newState();
        DetectorRuns.detections(two, s, world.benign("c", 300, 1, 3));
        assertThat(s.classes()).isEqualTo(2);
    }

    @Test
    void sameSeedSameResult() {
        PradaState a = detector.newState();
        PradaState b = detector.newState();
        List<ServingDetection> x = DetectorRuns.detections(detector, a, world.jbdaExtraction("t", 500, 4));
        List<ServingDetection> y = DetectorRuns.detections(detector, b, world.jbdaExtraction("t", 500, 4));
        assertThat(x).isEqualTo(y);
        assertThat(a.lastW).isEqualTo(b.lastW);
    }

    @Test
    void rawSpaceWithoutBaseline() {
        PradaDetector raw = new PradaDetector(PradaSettings.defaults(), null);
        assertThat(DetectorRuns.firstAlarm(raw, world.jbdaExtraction("thief", 400, 1))).isBetween(100, 400);
    }

    /**
     * The sorted pool kept between checks (joins and evictions merged in) gives the W of a pool sorted
     * afresh at every check: a state whose kept pool is dropped before each event (as after a restore,
     * a state copy or on RocksDB) must agree at every check, through ring evictions (small window),
     * classes joining the pool, and more classes than are tracked.
     */
    @Test
    void theSortedPoolKeptBetweenChecksGivesWhatAFreshSortGives() {
        PradaSettings small = new PradaSettings(0.9, 5, 20, 5, 3.0, 3, 16, 24, 8, java.time.Duration.ofHours(1));
        PradaDetector d = new PradaDetector(small, world.baseline());
        for (List<InferenceEvent> stream : List.of(world.jbdaExtraction("thief", 600, 4), world.benign("b", 600, 1.0, 5),
                world.uniformExtraction("u", 600, 6), world.hopSkipJump("h", 300, 7))) {
            PradaState kept = d.newState();
            PradaState fresh = d.newState();
            int checks = 0;
            for (InferenceEvent e : stream) {
                fresh.poolValid = false;
                java.util.Optional<ServingDetection> a = d.observe(kept, e);
                java.util.Optional<ServingDetection> b = d.observe(fresh, e);
                assertThat(a.isPresent()).isEqualTo(b.isPresent());
                if (Double.doubleToLongBits(kept.lastW) != Double.doubleToLongBits(fresh.lastW)) {
                    throw new AssertionError("W differs after " + e.eventId + ": " + kept.lastW + " vs " + fresh.lastW);
                }
                if (!Double.isNaN(kept.lastW)) {
                    checks++;
                }
            }
            assertThat(checks).as("checks made").isGreaterThan(10);
            assertThat(java.util.Arrays.stream(kept.distanceCount).max().orElse(0)).as("rings wrapped").isGreaterThan(24);
        }
    }

    @Test
    void stateOfEarlierBuildsWithRowMajorGrowingSetsGoesOnAsIfNeverMoved() throws Exception {
        List<InferenceEvent> stream = world.jbdaExtraction("thief", 400, 1);
        PradaState kept = detector.newState();
        DetectorRuns.detections(detector, kept, stream.subList(0, 80));
        // The same state as an earlier build would have checkpointed it: the growing sets row-major in `growing`.
        PradaState restored = new PradaState();
        for (java.lang.reflect.Field f : PradaState.class.getFields()) {
            if (!java.lang.reflect.Modifier.isTransient(f.getModifiers()) && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                Object v = f.get(kept);
                f.set(restored, v != null && v.getClass().isArray() ? cloneArray(v) : v);
            }
        }
        int classes = kept.classes();
        int stride = kept.growingColumns.length / (classes * kept.dims);
        assertThat(stride).isGreaterThan(1);
        restored.growing = new byte[kept.growingColumns.length];
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < stride; i++) {
                for (int j = 0; j < kept.dims; j++) {
                    restored.growing[(c * stride + i) * kept.dims + j] = kept.growingColumns[(c * kept.dims + j) * stride + i];
                }
            }
        }
        restored.growingColumns = new byte[0];
        List<ServingDetection> expected = DetectorRuns.detections(detector, kept, stream.subList(80, stream.size()));
        assertThat(expected).isNotEmpty();
        assertThat(DetectorRuns.detections(detector, restored, stream.subList(80, stream.size()))).isEqualTo(expected);
        assertThat(restored.growing).isEmpty();
        assertThat(restored.growingColumns).isEqualTo(kept.growingColumns);
        assertThat(restored.lastW).isEqualTo(kept.lastW);
    }

    private static Object cloneArray(Object a) {
        int n = java.lang.reflect.Array.getLength(a);
        Object copy = java.lang.reflect.Array.newInstance(a.getClass().getComponentType(), n);
        System.arraycopy(a, 0, copy, 0, n);
        return copy;
    }
}
