package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.AbuseScenarios;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimilarityClusterDetectorTest {
    private static final long SEED = 16;
    private static final String KEY_PREFIX = AbuseScenarios.MODEL + "|";

    @Test
    void perturbationProbesAndHillClimbingFire() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SimilarityClusterDetector d = new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), w.baseline());
        DetectorRun<SimilarityClusterState> run = DetectorRun.byClient(d, AbuseScenarios.merge(w.membershipProbe(10, 15), w.hillClimb(300)));
        DetectorRun.Hit mia = run.first(KEY_PREFIX + "mia-client").orElseThrow();
        DetectorRun.Hit hill = run.first(KEY_PREFIX + "hill-client").orElseThrow();
        System.out.printf("similarity_cluster: perturbation probe alerted at query %d, hill-climb at query %d (similar %s)%n", mia.query(),
                hill.query(), hill.evidence("similar_queries"));
        assertThat(mia.query()).isEqualTo(12); // the 11th similar, non-identical query
        assertThat(hill.query()).isLessThanOrEqualTo(30);
        assertThat((List<?>) mia.evidence("similar_event_ids")).hasSize(11);
    }

    @Test
    void benignClientsHeavyScorerAndRetrierStayQuiet() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SimilarityClusterDetector d = new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.benignClients(200, Duration.ofMinutes(10)), w.heavyScorer(Duration.ofMinutes(10)),
                w.retryingClient(Duration.ofMinutes(10)));
        DetectorRun<SimilarityClusterState> run = DetectorRun.byClient(d, events);
        long benignAlerted = run.alertedKeys().stream().filter(k -> k.startsWith(KEY_PREFIX + "benign-")).count();
        System.out.printf("similarity_cluster benign: %d events, alerted keys %s (%d of 200 benign clients)%n", events.size(), run.alertedKeys(),
                benignAlerted);
        assertThat(benignAlerted).isLessThanOrEqualTo(2); // <= 1%
        assertThat(run.alertedKeys()).doesNotContain(KEY_PREFIX + "retrying-client", KEY_PREFIX + "batch-scorer");
    }

    @Test
    void withoutABaselineItComparesTheRawVectorsAndStillFires() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SimilarityClusterDetector d = new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), null);
        DetectorRun<SimilarityClusterState> run = DetectorRun.byClient(d, w.membershipProbe(10, 15));
        DetectorRun.Hit mia = run.first(KEY_PREFIX + "mia-client").orElseThrow();
        assertThat(mia.query()).isLessThanOrEqualTo(15);
        assertThat(run.states.get(KEY_PREFIX + "mia-client").columns).hasSize(50 * AbuseScenarios.FEATURES);
    }

    @Test
    void stateStaysBoundedAndRunsAreDeterministic() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SimilarityClusterDetector d = new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), w.baseline());
        DetectorRun<SimilarityClusterState> run = DetectorRun.byClient(d, w.hillClimb(10_000));
        SimilarityClusterState s = run.states.values().iterator().next();
        assertThat(s.columns).hasSize(50 * AbuseScenarios.FEATURES);
        assertThat(s.vectors).isNull();
        assertThat(s.eventIds).hasSize(50);
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        assertThat(DetectorRun.byClient(d, w2.hillClimb(10_000)).signature()).isEqualTo(run.signature());
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(SimilarityClusterSettings.fromConfig(Config.defaults())).isEqualTo(SimilarityClusterSettings.defaults());
        assertThatThrownBy(() -> SimilarityClusterSettings.fromConfig(Config.defaults().with("monitor.detectors.rate.similarity.max-similar", "50")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.rate.similarity.max-similar must be in [1, window=50), was 50");
    }

    @Test
    void stateOfEarlierBuildsWithTheRowMajorRingGoesOnAsIfNeverMoved() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SimilarityClusterDetector d = new SimilarityClusterDetector(SimilarityClusterSettings.defaults(), w.baseline());
        java.util.List<io.modelwarden.model.InferenceEvent> events = w.membershipProbe(10, 40).stream()
                .filter(e -> e.clientId.equals("mia-client")).toList();
        SimilarityClusterState kept = d.newState();
        DetectorRuns.detections(d, kept, events.subList(0, 8));
        // The same state as an earlier build would have checkpointed it: the ring row-major in `vectors`.
        SimilarityClusterState restored = new SimilarityClusterState();
        int window = kept.norms.length;
        int dims = kept.columns.length / window;
        restored.vectors = new float[kept.columns.length];
        for (int i = 0; i < window; i++) {
            for (int j = 0; j < dims; j++) {
                restored.vectors[i * dims + j] = kept.columns[j * window + i];
            }
        }
        restored.norms = kept.norms.clone();
        restored.eventIds = kept.eventIds.clone();
        restored.times = kept.times.clone();
        restored.queries = kept.queries;
        restored.alerting = kept.alerting;
        java.util.List<ServingDetection> expected = DetectorRuns.detections(d, kept, events.subList(8, events.size()));
        assertThat(expected).isNotEmpty();
        assertThat(DetectorRuns.detections(d, restored, events.subList(8, events.size()))).isEqualTo(expected);
        assertThat(restored.vectors).isNull();
        assertThat(restored.columns).isEqualTo(kept.columns);
    }
}
