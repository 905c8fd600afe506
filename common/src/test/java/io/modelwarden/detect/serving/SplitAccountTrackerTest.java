package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.AbuseScenarios;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitAccountTrackerTest {
    private static final long SEED = 17;

    private static Map<String, SplitAccountTracker.Verdict> lastVerdicts(SplitAccountTracker t, List<InferenceEvent> events,
            Map<String, SplitAccountState> states) {
        Map<String, SplitAccountTracker.Verdict> out = new HashMap<>();
        for (InferenceEvent e : events) {
            SplitAccountState s = states.computeIfAbsent(e.ipKey(), k -> t.newState());
            out.put(e.ipKey(), t.observe(s, e));
        }
        return out;
    }

    @Test
    void manyClientsBehindOneIpRaiseSeverity() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SplitAccountTracker t = new SplitAccountTracker(SplitAccountSettings.defaults());
        Map<String, SplitAccountState> states = new HashMap<>();
        Map<String, SplitAccountTracker.Verdict> v = lastVerdicts(t, w.splitAccounts(40, Duration.ofMinutes(10)), states);
        SplitAccountTracker.Verdict sybil = v.get(AbuseScenarios.MODEL + "|203.0.113.7");
        System.out.printf("split accounts: 40 client ids behind one IP -> %s%n", sybil.evidence());
        assertThat(sybil.distinctClients()).isEqualTo(40);
        assertThat(sybil.factor()).isCloseTo(1 + 0.25 * Math.log(40 / 3.0) / Math.log(2), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(t.factor(3)).isEqualTo(1.0);
        assertThat(t.factor(1000)).isEqualTo(2.0);
    }

    @Test
    void benignNatOfThreeClientsKeepsFactorOneAndClientsExpire() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SplitAccountTracker t = new SplitAccountTracker(SplitAccountSettings.defaults());
        Map<String, SplitAccountState> states = new HashMap<>();
        Map<String, SplitAccountTracker.Verdict> v = lastVerdicts(t, w.benignClients(200, Duration.ofMinutes(10)), states);
        assertThat(v.values()).allSatisfy(x -> assertThat(x.factor()).isEqualTo(1.0));
        // Two hours later only the one client still active counts.
        InferenceEvent late = w.event("late", AbuseScenarios.T0 + Duration.ofHours(2).toMillis(), "benign-0", "10.0.0.1", w.naturalQuery(), false);
        assertThat(t.observe(states.get(late.ipKey()), late).distinctClients()).isEqualTo(1);
    }

    @Test
    void tableSaturatesAtItsCap() {
        AbuseScenarios w = AbuseScenarios.create(SEED);
        SplitAccountTracker t = new SplitAccountTracker(SplitAccountSettings.defaults());
        Map<String, SplitAccountState> states = new HashMap<>();
        List<InferenceEvent> events = w.splitAccounts(500, Duration.ofMinutes(2));
        assertThat(events.size()).isGreaterThanOrEqualTo(10_000);
        SplitAccountTracker.Verdict v = lastVerdicts(t, events, states).values().iterator().next();
        SplitAccountState s = states.values().iterator().next();
        assertThat(s.clientHashes).hasSize(64);
        assertThat(v.distinctClients()).isEqualTo(64);
        assertThat(v.saturated()).isTrue();
        assertThat(v.factor()).isEqualTo(2.0);
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThat(SplitAccountSettings.fromConfig(Config.defaults())).isEqualTo(SplitAccountSettings.defaults());
        assertThatThrownBy(() -> SplitAccountSettings.fromConfig(Config.defaults().with("monitor.detectors.rate.split-accounts.max-factor", "0.5")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.detectors.rate.split-accounts.max-factor must be >= 1, was 0.5");
    }
}
