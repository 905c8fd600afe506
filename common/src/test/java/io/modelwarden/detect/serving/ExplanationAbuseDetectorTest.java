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

class ExplanationAbuseDetectorTest {
    private static final long SEED = 15;
    private static final String KEY_PREFIX = AbuseScenarios.MODEL + "|";

    @Test
    void explanationHeavyClientFiresOnRatio() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        ExplanationAbuseDetector d = new ExplanationAbuseDetector(ExplanationAbuseSettings.defaults());
        DetectorRun<ExplanationAbuseState> run = DetectorRun.byClient(d, w.explanationAbuse(600));
        DetectorRun.Hit first = run.first(KEY_PREFIX + "explain-client").orElseThrow();
        System.out.printf("explanation_abuse: alerted at query %d, evidence %s%n", first.query(), first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("explanation_ratio");
        assertThat(first.query()).isEqualTo(50);
        assertThat(run.hits).hasSize(1);
    }

    @Test
    void countLimitFiresWhenTheRatioIsLow() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        ExplanationAbuseDetector d = new ExplanationAbuseDetector(new ExplanationAbuseSettings(10, 0.5, 50, 20, Duration.ofMinutes(60)));
        List<InferenceEvent> events = w.benignClients(30, Duration.ofMinutes(30));
        DetectorRun<ExplanationAbuseState> run = DetectorRun.byClient(d, events);
        assertThat(run.hits).isNotEmpty().allSatisfy(h -> assertThat(h.evidence("rule")).isEqualTo("explanation_count"));
        assertThat(run.hits).allSatisfy(h -> assertThat((long) h.evidence("explanations")).isEqualTo(21));
    }

    @Test
    void benignClientsHeavyScorerAndRetrierStayQuiet() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        ExplanationAbuseDetector d = new ExplanationAbuseDetector(ExplanationAbuseSettings.defaults());
        List<InferenceEvent> events = AbuseScenarios.merge(w.benignClients(200, Duration.ofMinutes(10)), w.heavyScorer(Duration.ofMinutes(10)),
                w.retryingClient(Duration.ofMinutes(10)));
        DetectorRun<ExplanationAbuseState> run = DetectorRun.byClient(d, events);
        System.out.printf("explanation_abuse benign: %d events, %d of %d keys alerted%n", events.size(), run.alertedKeys().size(), run.states.size());
        assertThat(run.alertedKeys()).isEmpty();
    }

    @Test
    void windowSlidesAndStateStaysBounded() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        ExplanationAbuseDetector d = new ExplanationAbuseDetector(ExplanationAbuseSettings.defaults());
        List<InferenceEvent> events = w.explanationAbuse(10_000);
        DetectorRun<ExplanationAbuseState> run = DetectorRun.byClient(d, events);
        ExplanationAbuseState s = run.states.values().iterator().next();
        assertThat(s.queries).hasSize(10);
        assertThat(s.explanations).hasSize(10);
        assertThat(s.windowQueries).isBetween(540L, 600L); // 10 one-minute buckets at 1 qps
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        assertThat(DetectorRun.byClient(d, w2.explanationAbuse(10_000)).signature()).isEqualTo(run.signature());
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(ExplanationAbuseSettings.fromConfig(Config.defaults())).isEqualTo(ExplanationAbuseSettings.defaults());
        assertThatThrownBy(() -> ExplanationAbuseSettings.fromConfig(Config.defaults().with("monitor.detectors.explanation.max-ratio", "1")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.explanation.max-ratio must be in (0, 1), was 1.0");
    }
}
