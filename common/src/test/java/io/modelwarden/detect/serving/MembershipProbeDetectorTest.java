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

class MembershipProbeDetectorTest {
    private static final long SEED = 12;
    private static final String KEY_PREFIX = AbuseScenarios.MODEL + "|";

    @Test
    void perturbationClusterAroundATrainingRowFires() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        MembershipProbeDetector d = new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline());
        DetectorRun<MembershipProbeState> run = DetectorRun.byClient(d, w.membershipProbe(20, 15));
        List<DetectorRun.Hit> hits = run.hitsOf(KEY_PREFIX + "mia-client");
        DetectorRun.Hit first = hits.get(0);
        System.out.printf("membership_probe: label-only probe alerted at query %d (%d alerts over 320 queries), evidence %s%n", first.query(),
                hits.size(), first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("perturbation_cluster");
        assertThat(first.query()).isEqualTo(10); // the training row and 9 perturbations of it
        assertThat(first.evidence("matched_event_ids")).isEqualTo(List.of("mia-0"));
        assertThat(hits).hasSizeGreaterThanOrEqualTo(19); // one per probed record
    }

    @Test
    void confidenceBasedProbeOfTrainingRowsFailsTheBinomialTest() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        MembershipProbeDetector d = new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline());
        DetectorRun<MembershipProbeState> run = DetectorRun.byClient(d, w.membershipExact(400));
        DetectorRun.Hit first = run.first(KEY_PREFIX + "mie-client").orElseThrow();
        System.out.printf("membership_probe: confidence probe (50%% members) alerted at query %d, p0=%.4f, evidence %s%n", first.query(),
                d.benignHitRate(), first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("training_hit_rate");
        assertThat((long) first.evidence("hits")).isEqualTo(20);
        assertThat((double) first.evidence("p_value")).isLessThan(1e-4);
        assertThat(first.query()).isLessThan(60);
        assertThat((List<?>) first.evidence("matched_event_ids")).hasSize(20);
    }

    @Test
    void benignClientsHeavyScorerAndRetrierStayQuiet() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        MembershipProbeDetector d = new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.benignClients(200, Duration.ofMinutes(10)), w.heavyScorer(Duration.ofMinutes(10)),
                w.retryingClient(Duration.ofMinutes(10)));
        DetectorRun<MembershipProbeState> run = DetectorRun.byClient(d, events);
        MembershipProbeState heavy = run.states.get(KEY_PREFIX + "batch-scorer");
        System.out.printf("membership_probe benign: %d events, %d of %d keys alerted; heavy scorer %d hits in %d queries (p0 %.4f)%n", events.size(),
                run.alertedKeys().size(), run.states.size(), heavy.hits, heavy.queries, d.benignHitRate());
        assertThat(run.alertedKeys()).isEmpty();
    }

    @Test
    void retriedRecordCountsOnceEvenWhenItHitsTheFilter() {
        // Worst case for a retrying client: its record is in the filter (a training row, or a false
        // positive). Repeats are neither new hits nor cluster members.
        AbuseScenarios w = AbuseScenarios.create(SEED);
        MembershipProbeDetector d = new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline());
        double[] x = w.training().row(3).features;
        MembershipProbeState s = d.newState();
        for (int i = 0; i < 500; i++) {
            assertThat(d.observe(s, w.event("r-" + i, AbuseScenarios.T0 + i * 1000L, "c", "ip", x.clone(), false))).isEmpty();
        }
        assertThat(s.hits).isEqualTo(1);
        assertThat(s.queries).isEqualTo(500);
    }

    @Test
    void stateStaysBoundedAndRunsAreDeterministic() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        MembershipProbeDetector d = new MembershipProbeDetector(MembershipProbeSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.membershipProbe(300, 15), w.membershipExact(5_200));
        DetectorRun<MembershipProbeState> run = DetectorRun.byClient(d, events);
        assertThat(events.size()).isGreaterThanOrEqualTo(10_000);
        for (MembershipProbeState s : run.states.values()) {
            assertThat(s.centres).hasSize(32 * AbuseScenarios.FEATURES);
            assertThat(s.centreCounts).hasSize(32);
            assertThat(s.recentHitCells).hasSize(64);
            assertThat(s.matchedIds).hasSize(20);
        }
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        DetectorRun<MembershipProbeState> again = DetectorRun.byClient(new MembershipProbeDetector(MembershipProbeSettings.defaults(), w2.baseline()),
                AbuseScenarios.merge(w2.membershipProbe(300, 15), w2.membershipExact(5_200)));
        assertThat(again.signature()).isEqualTo(run.signature());
    }

    @Test
    void binomialTailIsExactInTheFarTail() {
        // P(Bin(10, 0.5) >= 8) = (45 + 10 + 1) / 1024.
        assertThat(io.modelwarden.stats.Tails.binomial(8, 10, 0.5)).isCloseTo(56.0 / 1024, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(io.modelwarden.stats.Tails.binomial(0, 10, 0.5)).isEqualTo(1.0);
        assertThat(io.modelwarden.stats.Tails.binomial(200, 1000, 0.01)).isLessThan(1e-100).isGreaterThan(0);
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(MembershipProbeSettings.fromConfig(Config.defaults())).isEqualTo(MembershipProbeSettings.defaults());
        assertThatThrownBy(() -> MembershipProbeSettings.fromConfig(Config.defaults().with("monitor.detectors.membership.cluster-min-queries", "1")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.membership.cluster-min-queries must be >= 2, was 1");
    }
}
