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
    void dilutedExtractionFiresOnOodCellGrowth() {
        // 1,000 uniform-box queries hidden among 6,000 natural ones of the same client: ~10% OOD, so the
        // window share never reaches 0.3, but the distinct OOD cells grow at the dilution rate.
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), w.baseline());
        List<InferenceEvent> natural = w.heavyScorer(Duration.ofMinutes(2));
        List<InferenceEvent> synthetic = w.uniformExtraction(1_000);
        for (InferenceEvent e : synthetic) {
            e.clientId = "batch-scorer";
            e.timestampMillis = AbuseScenarios.T0 + (e.timestampMillis - AbuseScenarios.T0) / 5 + 7; // spread over 100 s
        }
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, AbuseScenarios.merge(natural, synthetic));
        DetectorRun.Hit first = run.hits.get(0);
        System.out.printf("coverage_ood diluted extraction: %s at query %d, evidence %s%n", first.evidence("rule"), first.query(),
                first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("ood_cells");
        assertThat((double) first.evidence("ood_share")).isLessThan(0.3);
        assertThat((long) first.evidence("distinct_ood_cells")).isGreaterThanOrEqualTo(50L);
        assertThat(first.query()).isLessThan(1_500L);
        // The next growth alert needs twice the cells: a handful over the whole stream, not one per query.
        assertThat(run.hits).hasSizeBetween(2, 6);
    }

    @Test
    void heavyNaturalClientStaysQuietForAnHour() {
        // A 50 qps batch scorer of natural data (180,000 queries): its OOD cells stay near the chi-square
        // tail, far below the rate limit, however many queries it sends.
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults(), w.baseline());
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, w.heavyScorer(Duration.ofMinutes(60)));
        CoverageState s = run.states.get(AbuseScenarios.MODEL + "|batch-scorer");
        double rate = (double) CoverageDetector.distinctCells(s) / s.queries;
        System.out.printf("coverage_ood heavy scorer: %d queries, %d distinct OOD cells (rate %.5f)%n", s.queries, CoverageDetector.distinctCells(s), rate);
        assertThat(s.queries).isGreaterThan(170_000);
        assertThat(run.hits).isEmpty();
        assertThat(rate).isLessThan(0.002);
    }

    @Test
    void growthRuleNeedsEnoughCells() {
        // The hill-climb is 94% OOD but, with min-ood-cells above its query count, only the window rule fires.
        AbuseScenarios w = AbuseScenarios.create(SEED);
        CoverageDetector d = new CoverageDetector(CoverageSettings.defaults().withOodCellRule(1_000, 0.01), w.baseline());
        DetectorRun<CoverageState> run = DetectorRun.byClient(d, w.hillClimb(600));
        assertThat(run.hits).isNotEmpty().allSatisfy(h -> assertThat(h.evidence("rule")).isEqualTo("ood_share"));
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
        assertThatThrownBy(() -> CoverageSettings.fromConfig(Config.defaults().with("monitor.detectors.coverage.max-ood-cell-rate", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.coverage.max-ood-cell-rate must be in (0, 1), was 0.0");
    }
}
