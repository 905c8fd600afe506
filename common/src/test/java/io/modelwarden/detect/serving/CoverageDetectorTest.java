package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.stats.Hashing;
import io.modelwarden.synth.AbuseScenarios;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoverageDetectorTest {
    private static final long SEED = 11;

    @Test
    void uniformExtractionFiresOnOodShare() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), w.baseline());
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, w.uniformExtraction(1000));
        DetectorRun.Hit first = run.first(AbuseScenarios.MODEL + "|extract-client").orElseThrow();
        System.out.printf("coverage_ood: uniform extraction alerted at query %d, evidence %s%n", first.query(), first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("ood_share");
        assertThat(first.query()).isLessThanOrEqualTo(60);
        assertThat((double) first.evidence("ood_share")).isGreaterThan(0.3);
        assertThat(run.hits).hasSize(1); // one alert per episode
    }

    @Test
    void benignClientsHeavyScorerAndRetrierStayQuiet() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), w.baseline());
        List<InferenceEvent> benign = w.benignClients(200, Duration.ofMinutes(10));
        List<InferenceEvent> heavy = w.heavyScorer(Duration.ofMinutes(10));
        List<InferenceEvent> retry = w.retryingClient(Duration.ofMinutes(10));
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, AbuseScenarios.merge(benign, heavy, retry));
        CoverageState heavyState = run.states.get(AbuseScenarios.MODEL + "|batch-scorer");
        long cells = CoverageDetector.estimate(heavyState.registers);
        System.out.printf("coverage_ood benign: %d events, %d clients alerted of %d; heavy scorer %d queries -> %d distinct cells (est.), ood in window %d%n",
                benign.size() + heavy.size() + retry.size(), run.alertedKeys().size(), run.states.size(), heavyState.queries, cells, heavyState.oodInWindow);
        assertThat(run.alertedKeys()).isEmpty();
    }

    @Test
    void distinctCellRuleCountsCoverageAndFiresAtItsLimit() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults().withMaxDistinctCells(2_000), w.baseline());
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, w.heavyScorer(Duration.ofMinutes(2)));
        DetectorRun.Hit first = run.hits.get(0);
        System.out.printf("coverage_ood distinct cells: limit 2000 reached at query %d (estimate %s)%n", first.query(), first.evidence("distinct_cells"));
        assertThat(first.evidence("rule")).isEqualTo("distinct_cells");
        assertThat(first.query()).isBetween(1_800L, 2_400L);
        // The next cell alert needs twice the cells.
        assertThat(run.hits).hasSizeBetween(2, 3);
    }

    @Test
    void knownLimitationHeavyNaturalClientReachesTheDefaultCellLimitByVolume() {
        // Pinned on purpose: with 8 features and 10 bins almost every natural query is a new cell, so
        // the default cell limit (100,000) is reached by a 50 qps batch scorer after ~35 minutes. The
        // OOD rule stays quiet for it; the cell rule needs an allow-list or a per-client limit.
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), w.baseline());
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, w.heavyScorer(Duration.ofMinutes(40)));
        DetectorRun.Hit first = run.hits.get(0);
        System.out.printf("coverage_ood: heavy natural scorer trips the default cell limit at query %d (%.1f min)%n", first.query(),
                (first.event().timestampMillis - AbuseScenarios.T0) / 60_000.0);
        assertThat(first.evidence("rule")).isEqualTo("distinct_cells");
        assertThat(run.hits).hasSize(1);
        assertThat(first.query()).isBetween(95_000L, 115_000L);
    }

    @Test
    void hyperLogLogEstimatesWithinFewPercent() {
        byte[] registers = CoverageDetector.class.cast(new CoverageDetector(CoverageSettings.defaults(), AbuseScenarios.create(SEED).baseline()))
                .newState().registers;
        for (int n : new int[] {100, 1_000, 50_000}) {
            byte[] r = registers.clone();
            for (int i = 0; i < n; i++) {
                CoverageDetector.addToHll(r, Hashing.mix64(i * 0x9E3779B97F4A7C15L + 17));
                CoverageDetector.addToHll(r, Hashing.mix64(i * 0x9E3779B97F4A7C15L + 17)); // repeats do not count
            }
            long est = CoverageDetector.estimate(r);
            assertThat((double) est).isCloseTo(n, org.assertj.core.data.Percentage.withPercentage(8));
        }
        // Two halves merged by register-wise max count the union.
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), AbuseScenarios.create(SEED).baseline());
        CoverageState a = d.newState();
        CoverageState b = d.newState();
        CoverageState whole = d.newState();
        for (int i = 0; i < 20_000; i++) {
            long h = Hashing.mix64(i + 99L);
            CoverageDetector.addToHll((i % 2 == 0 ? a : b).registers, h);
            CoverageDetector.addToHll(whole.registers, h);
        }
        CoverageDetector.mergeCells(a, b);
        assertThat(a.registers).isEqualTo(whole.registers);
        assertThat((double) CoverageDetector.distinctCells(a)).isCloseTo(20_000, org.assertj.core.data.Percentage.withPercentage(8));
    }

    @Test
    void stateStaysBoundedAndRunsAreDeterministic() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.uniformExtraction(5_000), w.flood(50, Duration.ofSeconds(100)));
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, events);
        for (CoverageState s : run.states.values()) {
            assertThat(s.registers).hasSize(1 << 10);
            assertThat(s.times).hasSize(200);
            assertThat(s.oodBits).hasSize(4);
        }
        assertThat(run.counts.values().stream().mapToLong(Long::longValue).sum()).isGreaterThanOrEqualTo(9_000);
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        DetectorRun<CoverageState> again = DetectorRun.byClient(new CoverageDetector(CoverageSettings.defaults(), w2.baseline()),
                AbuseScenarios.merge(w2.uniformExtraction(5_000), w2.flood(50, Duration.ofSeconds(100))));
        assertThat(again.signature()).isEqualTo(run.signature());
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(CoverageSettings.fromConfig(Config.defaults())).isEqualTo(CoverageSettings.defaults());
        assertThatThrownBy(() -> CoverageSettings.fromConfig(Config.defaults().with("monitor.detectors.coverage.max-ood-share", "1.5")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.coverage.max-ood-share must be in (0, 1), was 1.5");
    }
}
