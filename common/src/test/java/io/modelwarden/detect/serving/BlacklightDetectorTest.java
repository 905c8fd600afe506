package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measured on the standard scenarios (d = 8: w = 2, 7 hashes per query, T = 6, q = 10), first alarm over
 * seeds 1..10: near-duplicate iterations with sigma 0.05 z at queries 2-10, sigma 0.1 at 12-36, sigma 0.2
 * at 46-220; the HopSkipJump-like attack at 3-7; JBDA-like extraction at 37-67. Benign: 1 of 1,000
 * clients (50-3,000 queries each), the 10,000-query batch scorer and the retrying client raise nothing.
 * With T = 4 (the paper's S/2) 9% of benign clients alarmed, with T = 5 2%.
 */
class BlacklightDetectorTest {
    private static TrafficScenarios world;
    private static BlacklightDetector detector;

    @BeforeAll
    static void setUp() {
        world = TrafficScenarios.standard();
        detector = new BlacklightDetector(BlacklightSettings.defaults(), world.baseline());
    }

    @Test
    void geometryAtEightFeatures() {
        assertThat(detector.hashesPerQuery()).isEqualTo(7);
        assertThat(detector.threshold()).isEqualTo(6);
        assertThat(detector.queryCapacity()).isEqualTo(128);
    }

    @Test
    void repeatedNearDuplicatesFire() {
        for (long seed = 1; seed <= 10; seed++) {
            assertThat(DetectorRuns.firstAlarm(detector, world.nearDuplicates("nes", 200, 0.05, seed))).as("seed %d", seed).isBetween(2, 10);
            assertThat(DetectorRuns.firstAlarm(detector, world.nearDuplicates("nes", 200, 0.1, seed))).as("seed %d", seed).isBetween(2, 40);
            assertThat(DetectorRuns.firstAlarm(detector, world.hopSkipJump("hsja", 200, seed))).as("seed %d", seed).isBetween(2, 10);
        }
    }

    @Test
    void evidenceNamesTheMatchedQueryAndChain() {
        BlacklightState s = detector.newState();
        List<InferenceEvent> events = world.nearDuplicates("nes", 100, 0.05, 4);
        List<ServingDetection> hits = DetectorRuns.detections(detector, s, events);
        assertThat(hits.size()).isGreaterThan(50);
        Map<String, Object> ev = hits.get(hits.size() - 1).detection().evidence();
        assertThat((int) ev.get("match")).isGreaterThanOrEqualTo(6);
        assertThat(ev).containsEntry("threshold", 6).containsKeys("matched_event_id", "matched_event_time", "chain_length");
        assertThat((String) ev.get("matched_event_id")).startsWith("nes-");
        assertThat((int) ev.get("chain_length")).isGreaterThanOrEqualTo(2); // linked to its predecessor
        System.out.println("blacklight longest QPA chain on 100 near-duplicates: " + s.longestChain);
        assertThat(s.longestChain).isGreaterThan(10);
        ServingDetection last = hits.get(hits.size() - 1);
        assertThat(last.windowStartMillis()).isEqualTo((long) ev.get("matched_event_time"));
    }

    @Test
    void chainLengthCanAlarmOnItsOwn() {
        BlacklightDetector chains = new BlacklightDetector(
                new BlacklightSettings(1234567L, 10, 0, 50, 1.0, true, 128, 1024, 0.25, 8, 32, Duration.ofHours(24)), world.baseline());
        BlacklightState s = chains.newState();
        List<ServingDetection> hits = DetectorRuns.detections(chains, s, world.nearDuplicates("nes", 200, 0.1, 4));
        System.out.println("blacklight longest QPA chain on 200 near-duplicates (sigma 0.1): " + s.longestChain);
        assertThat(hits).anyMatch(h -> "chain_length".equals(h.detection().evidence().get("statistic")));
    }

    @Test
    void benignClientsStayQuiet() {
        List<List<InferenceEvent>> clients = world.benignPopulation(200, 600, 5);
        assertThat(DetectorRuns.alertedClients(detector, clients)).isLessThanOrEqualTo(2);
        assertThat(DetectorRuns.firstAlarm(detector, world.batchScorer("batch", 10_000, 9))).isEqualTo(-1);
        assertThat(DetectorRuns.firstAlarm(detector, world.retrying("retry", 3_000, 10))).isEqualTo(-1);
    }

    @Test
    void lateExactResendsOfIndexedQueriesAreRetriesToo() {
        // A scorer that re-sends its whole batch of 100 records: every re-send is 100 queries after the original.
        List<InferenceEvent> batch = world.benign("rescore", 100, 5, 21);
        List<InferenceEvent> twice = new java.util.ArrayList<>(batch);
        for (int i = 0; i < batch.size(); i++) {
            InferenceEvent e = batch.get(i);
            twice.add(world.event("rescore", 100 + i, e.timestampMillis + 60_000, e.features));
        }
        assertThat(DetectorRuns.firstAlarm(detector, twice)).isEqualTo(-1);
    }

    @Test
    void withoutTheRetryFilterTheRetryingClientWouldAlarm() {
        BlacklightDetector noFilter = new BlacklightDetector(
                new BlacklightSettings(1234567L, 10, 0, 50, 0.85, true, 128, 1024, 0.25, 0, 0, Duration.ofHours(24)), world.baseline());
        assertThat(DetectorRuns.firstAlarm(noFilter, world.retrying("retry", 100, 10))).isBetween(2, 10);
    }

    @Test
    void stateIsBoundedAfter10000Events() throws Exception {
        BlacklightState s = detector.newState();
        DetectorRuns.detections(detector, s, world.batchScorer("batch", 10_000, 9));
        assertThat(s.entryHash).hasSize(128 * 7);
        assertThat(s.entryNext).hasSize(128 * 7);
        assertThat(s.bucketHead).hasSize(512);
        assertThat(s.queryIds).hasSize(128);
        assertThat(s.count).isEqualTo(10_000);
        long live = 0;
        for (long h : s.entryHash) {
            live += h != 0 ? 1 : 0;
        }
        assertThat(live).isLessThanOrEqualTo(128 * 7);
        long bytes = DetectorRuns.stateBytes(s);
        System.out.println("blacklight state bytes (d=8): " + bytes);
        assertThat(bytes).isLessThan(32 * 1024);
    }

    @Test
    void indexStaysConsistentUnderEviction() {
        // After eviction every bucket chain holds only live entries of its own bucket.
        BlacklightState s = detector.newState();
        DetectorRuns.detections(detector, s, world.nearDuplicates("nes", 1_000, 0.1, 4));
        int mask = s.bucketHead.length - 1;
        int reachable = 0;
        for (int b = 0; b < s.bucketHead.length; b++) {
            for (int en = s.bucketHead[b]; en >= 0; en = s.entryNext[en]) {
                assertThat(s.entryHash[en]).isNotZero();
                assertThat((int) (s.entryHash[en] & mask)).isEqualTo(b);
                reachable++;
            }
        }
        long live = 0;
        for (long h : s.entryHash) {
            live += h != 0 ? 1 : 0;
        }
        assertThat(reachable).isEqualTo(live);
    }

    @Test
    void chainsDroppedMidStreamAreRelinkedWithTheSameResults() {
        List<ServingDetection> expected = DetectorRuns.detections(detector, detector.newState(), world.nearDuplicates("nes", 400, 0.1, 4));
        List<InferenceEvent> events = world.nearDuplicates("nes", 400, 0.1, 4);
        BlacklightState s = detector.newState();
        List<ServingDetection> actual = new ArrayList<>(DetectorRuns.detections(detector, s, events.subList(0, 250)));
        // What a restore or the heap backend's copy leaves of the transient chains.
        s.entryNext = null;
        s.bucketHead = null;
        actual.addAll(DetectorRuns.detections(detector, s, events.subList(250, 400)));
        assertThat(expected).hasSizeGreaterThan(1);
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void needsABaseline() {
        assertThatThrownBy(() -> new BlacklightDetector(BlacklightSettings.defaults(), null)).hasMessageContaining("baseline");
    }

    @Test
    void sameSeedSameResultAndTheSaltMatters() {
        List<InferenceEvent> attack = world.nearDuplicates("nes", 300, 0.1, 6);
        List<ServingDetection> x = DetectorRuns.detections(detector, detector.newState(), attack);
        List<ServingDetection> y = DetectorRuns.detections(detector, detector.newState(), world.nearDuplicates("nes", 300, 0.1, 6));
        assertThat(x).isNotEmpty().isEqualTo(y);
        BlacklightDetector otherSalt = new BlacklightDetector(
                new BlacklightSettings(99L, 10, 0, 50, 0.85, true, 128, 1024, 0.25, 0, 32, Duration.ofHours(24)), world.baseline());
        assertThat(otherSalt.fingerprint(attack.get(0).features)).isNotEqualTo(detector.fingerprint(attack.get(0).features));
    }
}
