package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.TrafficScenarios;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm-up sample of a model without a baseline, and the baseline it calibrates. */
class WarmupSampleTest {
    static final TrafficScenarios TRAFFIC = TrafficScenarios.standard();
    static final WarmupSettings SETTINGS = WarmupSettings.defaults();

    /** Benign traffic of {@code clients} clients, round robin, each {@code perClient} events. */
    static List<InferenceEvent> benign(int clients, int perClient) {
        List<List<InferenceEvent>> streams = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            streams.add(TRAFFIC.benign("c" + c, perClient, 1.0, 100 + c));
        }
        List<InferenceEvent> out = new ArrayList<>();
        for (int i = 0; i < perClient; i++) {
            for (List<InferenceEvent> s : streams) {
                out.add(s.get(i));
            }
        }
        return out;
    }

    @Test
    void noClientGivesMoreThanItsShareAndTheSampleCompletesAtItsSize() {
        WarmupSample s = new WarmupSample(TrafficScenarios.MODEL_ID, SETTINGS);
        // One client floods first: only its share (100 of 2,000) is taken.
        for (InferenceEvent e : TRAFFIC.batchScorer("flooder", 5_000, 1)) {
            s.offer(e);
        }
        assertThat(s.size()).isEqualTo(SETTINGS.maxPerClient()).isEqualTo(100);
        for (InferenceEvent e : benign(30, 100)) {
            s.offer(e);
        }
        assertThat(s.complete()).isTrue();
        assertThat(s.size()).isEqualTo(2_000);
        assertThat(s.evidence()).containsEntry("events", 2_000).containsEntry("max_per_client", 100);
        assertThat((int) s.evidence().get("clients")).isEqualTo(31); // the flooder and the 30 benign clients, round robin
    }

    @Test
    void tooFewClientsNeverCompleteIt() {
        WarmupSample s = new WarmupSample(TrafficScenarios.MODEL_ID, SETTINGS);
        for (InferenceEvent e : benign(19, 500)) {
            s.offer(e);
        }
        assertThat(s.complete()).isFalse();
        assertThat(s.describe()).contains("1900/2000 events from 19 clients");
        assertThatThrownBy(() -> s.calibrate(Config.defaults())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void eventsWithAnotherFeatureCountThanTheFirstAreLeftOut() {
        WarmupSample s = new WarmupSample(TrafficScenarios.MODEL_ID, SETTINGS);
        List<InferenceEvent> events = benign(40, 50);
        InferenceEvent odd = events.get(5);
        odd.features = Arrays.copyOf(odd.features, odd.features.length + 1);
        for (InferenceEvent e : events) {
            s.offer(e);
        }
        assertThat(s.size()).isEqualTo(1_999);
    }

    @Test
    void theCalibratedBaselineHasTheSampleStatisticsAndTau() {
        WarmupSample s = new WarmupSample(TrafficScenarios.MODEL_ID, SETTINGS);
        List<InferenceEvent> events = benign(40, 50);
        for (InferenceEvent e : events) {
            s.offer(e);
        }
        ServingBaseline b = s.calibrate(Config.defaults());
        int d = TRAFFIC.features();
        assertThat(b.dimensions()).isEqualTo(d);
        assertThat(b.featureOrder()).startsWith("features[0]", "features[1]");
        assertThat(b.fingerprints()).isNull();
        for (int j = 0; j < d; j++) {
            double[] col = new double[events.size()];
            for (int i = 0; i < col.length; i++) {
                col[i] = events.get(i).features[j];
            }
            double mean = Arrays.stream(col).average().orElseThrow();
            assertThat(b.standardizer().mean(j)).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
            Arrays.sort(col);
            assertThat(b.quantiles(j)[0]).isEqualTo(col[0]);
            assertThat(b.quantiles(j)[50]).isEqualTo(col[(int) Math.round(0.5 * (col.length - 1))]);
            assertThat(b.quantiles(j)[100]).isEqualTo(col[col.length - 1]);
            // The generator's rows are the training distribution: the warm-up's spread is close to the training set's.
            assertThat(b.standardizer().std(j) / TRAFFIC.standardizer().std(j)).isBetween(0.85, 1.15);
        }
        long predicted = b.labelCounts().values().stream().mapToLong(Long::longValue).sum();
        assertThat(predicted).isEqualTo(2_000);
        double tau = ((Number) b.detector(StatefulKnnDetector.ID).get(StatefulKnnDetector.TAU_KEY)).doubleValue();
        assertThat(tau).isPositive().isLessThan(StatefulKnnSettings.defaults().tau() * 100);
        assertThat(b.detector(WarmupSample.CALIBRATION)).containsEntry("events", 2_000).containsEntry("clients", 40);
        // Deterministic: the same events give the same baseline.
        WarmupSample again = new WarmupSample(TrafficScenarios.MODEL_ID, SETTINGS);
        events.forEach(again::offer);
        assertThat(again.calibrate(Config.defaults()).detector(StatefulKnnDetector.ID)).isEqualTo(b.detector(StatefulKnnDetector.ID));
    }

    @Test
    void badSettingsNameTheirKey() {
        assertThatThrownBy(() -> WarmupSettings.fromConfig(Config.defaults().with("monitor.warmup.events", "10")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("monitor.warmup.events");
        assertThatThrownBy(() -> WarmupSettings.fromConfig(Config.defaults().with("monitor.warmup.max-client-share", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("monitor.warmup.max-client-share");
    }
}
