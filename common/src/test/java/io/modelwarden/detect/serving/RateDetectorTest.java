package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.AbuseScenarios;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateDetectorTest {
    private static final long SEED = 14;
    private static final String KEY_PREFIX = AbuseScenarios.MODEL + "|";

    @Test
    void floodFromOneIpFiresWithinTheFirstSecond() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        List<InferenceEvent> flood = w.flood(1_000, Duration.ofSeconds(30));
        DetectorRun<RateState> byIp = DetectorRun.run(d, flood, InferenceEvent::ipKey);
        DetectorRun.Hit first = byIp.hits.get(0);
        System.out.printf("rate_limit: 1000 qps flood alerted at query %d (%d ms after its start), evidence %s%n", first.query(),
                first.event().timestampMillis - AbuseScenarios.T0, first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("rate_1s");
        assertThat(first.query()).isEqualTo(101);
        assertThat(byIp.hits).hasSize(1); // one alert per episode
    }

    @Test
    void aTrustedHeavyClientIsQuietFromTheStartButItsFloodStillAlerts() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.fromConfig(Config.defaults().with("monitor.detectors.rate.trusted", "batch-scorer")), w.baseline());
        List<InferenceEvent> heavy = w.heavyScorer(Duration.ofMinutes(30));
        DetectorRun<RateState> run = DetectorRun.byClient(d, heavy);
        assertThat(run.hits).isEmpty();

        List<InferenceEvent> flood = AbuseScenarios.shift(w.flood(1_000, Duration.ofSeconds(20)), Duration.ofMinutes(30).toMillis());
        for (InferenceEvent e : flood) {
            e.clientId = "batch-scorer";
        }
        run.feed(d, flood, InferenceEvent::clientKey);
        assertThat(run.hits).isNotEmpty(); // repeats within the flood are the monitor's cool-down's to suppress
        assertThat(run.hits.get(0).evidence("trusted")).isEqualTo(true);
        assertThat(run.hits.get(0).query()).isGreaterThan(heavy.size());
    }

    @Test
    void theGuidesExampleTwiceTheLimitPerMinuteAlertsAndHalfOfItDoesNot() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        List<InferenceEvent> fast = w.flood(5, Duration.ofMinutes(3)); // 300/min from one IP
        DetectorRun<RateState> run = DetectorRun.run(d, fast, InferenceEvent::ipKey);
        DetectorRun.Hit first = run.hits.get(0);
        System.out.printf("rate_limit: 300/min IP alerted at query %d (%.1f s), evidence %s%n", first.query(),
                (first.event().timestampMillis - AbuseScenarios.T0) / 1000.0, first.detection().detection().evidence());
        assertThat(first.evidence("rule")).isEqualTo("rate_60s");
        assertThat(first.query()).isEqualTo(201);
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        assertThat(DetectorRun.run(d, w2.flood(1.5, Duration.ofMinutes(10)), InferenceEvent::ipKey).hits).isEmpty(); // 90/min
    }

    @Test
    void heavyScorerAlertsOnceAtColdStartThenItsOwnHistoryMakesItNormal() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        List<InferenceEvent> heavy = w.heavyScorer(Duration.ofMinutes(30));
        DetectorRun<RateState> run = DetectorRun.byClient(d, heavy);
        RateState s = run.states.get(KEY_PREFIX + "batch-scorer");
        DetectorRun.Hit cold = run.hits.get(0);
        System.out.printf("rate_limit: heavy scorer (50 qps, %d queries): %d alert(s), the first at query %d (cold start, no history); "
                + "after warm-up mu=%.0f/min sigma=%.0f threshold=%.0f/min%n", heavy.size(), run.hits.size(), cold.query(), s.ewmaMean,
                Math.sqrt(s.ewmaVariance), d.threshold60(s));
        // Documented choice: a key without history is judged by the static limit, so a new heavy client
        // raises exactly one alert in its first minute...
        assertThat(run.hits).hasSize(1);
        assertThat(cold.evidence("warmed_up")).isEqualTo(false);
        assertThat(cold.event().timestampMillis - AbuseScenarios.T0).isLessThan(60_000);
        // ...and once known, it is quiet: its history lifted the threshold above its rate.
        assertThat(d.threshold60(s)).isGreaterThan(3_200);

        // A known-heavy client that turns into a flood still alerts: history never excuses more than the cap.
        List<InferenceEvent> flood = AbuseScenarios.shift(w.flood(1_000, Duration.ofSeconds(5)), Duration.ofMinutes(30).toMillis());
        List<InferenceEvent> same = new ArrayList<>();
        for (InferenceEvent e : flood) {
            e.clientId = "batch-scorer";
            same.add(e);
        }
        run.feed(d, same, InferenceEvent::clientKey);
        assertThat(run.hits).hasSize(2);
        System.out.printf("rate_limit: known-heavy client flooding at 1000 qps alerted after %d flood queries%n",
                run.hits.get(1).query() - heavy.size());
    }

    @Test
    void aHeavyScorerAlreadyActiveWhenTheMonitorStartsIsJudgedByItsOwnHistory() {
        // The monitor starts with the scorer's traffic: the scorer's missing history is unknown, not
        // empty, so it is quiet; a flood that is also there from the start still alerts at once...
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        List<InferenceEvent> heavy = w.heavyScorer(Duration.ofMinutes(60));
        DetectorRun<RateState> run = DetectorRun.<RateState>monitorStartingAt(AbuseScenarios.T0).feed(d, heavy, InferenceEvent::clientKey);
        RateState s = run.states.get(KEY_PREFIX + "batch-scorer");
        System.out.printf("rate_limit: heavy scorer active at monitor start: %d alert(s) in %d queries; threshold %.0f/min after warm-up%n",
                run.hits.size(), heavy.size(), d.threshold60(s));
        assertThat(s.predatesMonitor).isTrue();
        assertThat(run.hits).isEmpty();
        assertThat(d.threshold60(s)).isBetween(3_000.0, 6_000.0);

        DetectorRun<RateState> flood = DetectorRun.<RateState>monitorStartingAt(AbuseScenarios.T0)
                .feed(d, w.flood(200, Duration.ofMinutes(2)), InferenceEvent::ipKey);
        assertThat(flood.hits.get(0).query()).isEqualTo(101);
        assertThat(flood.hits.get(0).evidence("predates_monitor")).isEqualTo(true);

        // ...and a key that appears once the monitor has watched for warm-up minutes is new: the guide's
        // static limit applies to it (300/min alerts at its 201st query).
        List<InferenceEvent> late = AbuseScenarios.shift(w.flood(5, Duration.ofMinutes(3)), Duration.ofMinutes(10).toMillis());
        DetectorRun<RateState> guide = DetectorRun.<RateState>monitorStartingAt(AbuseScenarios.T0).feed(d, late, InferenceEvent::ipKey);
        assertThat(guide.hits.get(0).query()).isEqualTo(201);
        assertThat(guide.hits.get(0).evidence("predates_monitor")).isEqualTo(false);
    }

    @Test
    void benignClientsAndRetrierStayQuietPerClientAndPerIp() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        List<InferenceEvent> events = AbuseScenarios.merge(w.benignClients(200, Duration.ofMinutes(10)), w.retryingClient(Duration.ofMinutes(10)));
        DetectorRun<RateState> byClient = DetectorRun.byClient(d, events);
        DetectorRun<RateState> byIp = DetectorRun.run(d, events, InferenceEvent::ipKey);
        System.out.printf("rate_limit benign: %d events; %d of %d clients and %d of %d IPs alerted%n", events.size(), byClient.alertedKeys().size(),
                byClient.states.size(), byIp.alertedKeys().size(), byIp.states.size());
        assertThat(byClient.alertedKeys()).isEmpty();
        assertThat(byIp.alertedKeys()).isEmpty();
    }

    @Test
    void payloadAnomaliesAlertAtMostOncePerMinute() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        List<InferenceEvent> events = new ArrayList<>();
        double[] nan = w.naturalQuery();
        nan[2] = Double.NaN;
        double[] huge = w.naturalQuery();
        huge[0] = 1e9;
        events.add(w.event("p-0", AbuseScenarios.T0, "c", "ip", w.naturalQuery(), false));
        events.add(w.event("p-1", AbuseScenarios.T0 + 1_000, "c", "ip", new double[] {1, 2, 3}, false));
        events.add(w.event("p-2", AbuseScenarios.T0 + 2_000, "c", "ip", nan, false));
        events.add(w.event("p-3", AbuseScenarios.T0 + 61_000, "c", "ip", nan, false));
        events.add(w.event("p-4", AbuseScenarios.T0 + 122_000, "c", "ip", huge, false));
        DetectorRun<RateState> run = DetectorRun.byClient(d, events);
        assertThat(run.hits).extracting(h -> h.evidence("anomaly")).containsExactly("feature_count", "non_finite", "extreme_norm");
        assertThat(run.states.values().iterator().next().payloadAnomalies).isEqualTo(4);
    }

    @Test
    void stateStaysBoundedAndRunsAreDeterministic() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        RateDetector d = new RateDetector(RateSettings.defaults(), w.baseline());
        DetectorRun<RateState> run = DetectorRun.run(d, w.flood(200, Duration.ofSeconds(60)), InferenceEvent::ipKey);
        assertThat(run.counts.values().iterator().next()).isGreaterThanOrEqualTo(10_000);
        assertThat(run.states.values().iterator().next().secondCounts).hasSize(60);
        AbuseScenarios w2 = AbuseScenarios.create(SEED);
        assertThat(DetectorRun.run(d, w2.flood(200, Duration.ofSeconds(60)), InferenceEvent::ipKey).signature()).isEqualTo(run.signature());
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(RateSettings.fromConfig(Config.defaults())).isEqualTo(RateSettings.defaults());
        assertThat(RateSettings.defaults().staticLimitPerMinute()).isEqualTo(200);
        assertThatThrownBy(() -> RateSettings.fromConfig(Config.defaults().with("monitor.detectors.rate.ewma-alpha", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.rate.ewma-alpha must be in (0, 1], was 0.0");
    }
}
