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

class InversionDetectorTest {
    private static final long SEED = 13;
    private static final String KEY_PREFIX = AbuseScenarios.MODEL + "|";

    @Test
    void singleFeatureSweepFires() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        InversionDetector d = new InversionDetector(InversionSettings.defaults(), w.baseline());
        DetectorRun<InversionState> run = DetectorRun.byClient(d, w.inversionSweep(5, 40));
        DetectorRun.Hit first = run.first(KEY_PREFIX + "inversion-client").orElseThrow();
        System.out.printf("model_inversion: sweep alerted at query %d, evidence %s%n", first.query(), first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("feature_sweep");
        assertThat(first.evidence("swept_feature")).isEqualTo("f" + (AbuseScenarios.FEATURES - 2));
        assertThat(first.query()).isLessThanOrEqualTo(25);
    }

    @Test
    void confidenceHillClimbFiresOnTrendWithRisingOod() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        InversionDetector d = new InversionDetector(InversionSettings.defaults(), w.baseline());
        DetectorRun<InversionState> run = DetectorRun.byClient(d, w.hillClimb(400));
        DetectorRun.Hit first = run.first(KEY_PREFIX + "hill-client").orElseThrow();
        System.out.printf("model_inversion: hill-climb alerted at query %d, evidence %s%n", first.query(), first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("confidence_trend");
        assertThat((double) first.evidence("p_value")).isLessThan(0.01);
    }

    @Test
    void benignClientsHeavyScorerAndRetrierStayQuiet() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        InversionDetector d = new InversionDetector(InversionSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.benignClients(200, Duration.ofMinutes(10)), w.heavyScorer(Duration.ofMinutes(10)),
                w.retryingClient(Duration.ofMinutes(10)));
        DetectorRun<InversionState> run = DetectorRun.byClient(d, events);
        InversionState retry = run.states.get(KEY_PREFIX + "retrying-client");
        System.out.printf("model_inversion benign: %d events, %d of %d keys alerted; retrier near pairs %d of %d in window%n", events.size(),
                run.alertedKeys().size(), run.states.size(), retry.nearPairs, Math.min(retry.queries, 100));
        assertThat(retry.nearPairs).isGreaterThan(50); // retries are near pairs...
        assertThat(run.alertedKeys()).isEmpty(); // ...but sweep nothing
    }

    @Test
    void stateStaysBoundedAndRunsAreDeterministic() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        InversionDetector d = new InversionDetector(InversionSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.inversionSweep(100, 40), w.hillClimb(6_000));
        DetectorRun<InversionState> run = DetectorRun.byClient(d, events);
        assertThat(events.size()).isGreaterThanOrEqualTo(10_000);
        for (InversionState s : run.states.values()) {
            assertThat(s.pairKind).hasSize(100);
            assertThat(s.confidence).hasSize(100);
            assertThat(s.times).hasSize(100);
            assertThat(s.previousBins).hasSize(AbuseScenarios.FEATURES);
        }
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        DetectorRun<InversionState> again = DetectorRun.byClient(new InversionDetector(InversionSettings.defaults(), w2.baseline()),
                AbuseScenarios.merge(w2.inversionSweep(100, 40), w2.hillClimb(6_000)));
        assertThat(again.signature()).isEqualTo(run.signature());
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(InversionSettings.fromConfig(Config.defaults())).isEqualTo(InversionSettings.defaults());
        assertThatThrownBy(() -> InversionSettings.fromConfig(Config.defaults().with("monitor.detectors.inversion.window", "5")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.inversion.window must be in [10, 2000], was 5");
    }
}
