package io.modelwarden.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.baseline.FingerprintSettings;
import io.modelwarden.baseline.TrainingFingerprints;
import io.modelwarden.config.Config;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.detect.serving.StatefulKnnDetector;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.monitor.DetectorCatalog;
import io.modelwarden.synth.TrafficScenarios;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.junit.jupiter.api.Test;

/**
 * Per-client keyed state at the defaults, measured as {@link MonitorSpeedBenchmark} does: each detector's
 * state after a realistic stream, serialized with Flink's own TypeSerializer for the state class, and the
 * whole {@code ClientState} (all of them, a SuppressionState per detector) plus the key and
 * the cleanup timer. The bound is 64 KiB per client at 8 and at 30 features, for every traffic profile.
 */
class MonitorStateSizeTest {
    private static final long MAX_BYTES = 64 * 1024;

    @Test
    void statePerClientFitsIn64KiBAt8And30Features() throws Exception {
        long at8 = total(new TrafficScenarios(21, 8, 5_000));
        long at30 = total(new TrafficScenarios(22, 30, 5_000));
        assertThat(at8).as("bytes per client at 8 features").isLessThanOrEqualTo(MAX_BYTES);
        assertThat(at30).as("bytes per client at 30 features").isLessThanOrEqualTo(MAX_BYTES);
    }

    /** The largest per-client total over the traffic profiles, printing the breakdown. */
    static long total(TrafficScenarios t) throws Exception {
        String model = TrafficScenarios.MODEL_ID;
        double tau = StatefulKnnDetector.calibrateTau(t.zTraining(), 50, 0.1, 7);
        ServingBaseline plain = t.baseline(Map.of("stateful_knn", Map.of("tau", tau)));
        // With training fingerprints, as a scanned baseline has them, so that membership_probe runs too.
        TrainingFingerprints fp = TrainingFingerprints.create(t.zTraining().size(), FingerprintSettings.defaults());
        t.zTraining().forEach(fp::add);
        double[][] quantiles = new double[t.features()][];
        for (int j = 0; j < quantiles.length; j++) {
            quantiles[j] = plain.quantiles(j);
        }
        ServingBaseline b = new ServingBaseline(model, plain.featureOrder(), plain.standardizer(), quantiles, fp, plain.labelCounts(),
                Map.of("stateful_knn", Map.of("tau", tau)));
        Config c = Config.defaults();
        DetectorCatalog catalog = DetectorCatalog.build(c, Map.of(model, b), null);
        List<ServingDetector<?>> detectors = catalog.forModel(model);
        Map<String, List<InferenceEvent>> profiles = MonitorSpeedBenchmark.stateProfiles(t);
        int keyBytes = MonitorSpeedBenchmark.serializedSize(TypeInformation.of(String.class), model + "|client-000000");
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "STATE (%d features) %-20s", t.features(), "detector"));
        for (String p : profiles.keySet()) {
            out.append(String.format(Locale.ROOT, " %12s", p));
        }
        out.append('\n');
        for (ServingDetector<?> d : detectors) {
            out.append(String.format(Locale.ROOT, "STATE (%d features) %-20s", t.features(), d.id()));
            for (List<InferenceEvent> ev : profiles.values()) {
                int size = MonitorSpeedBenchmark.sizeAfter(d, ev);
                out.append(String.format(Locale.ROOT, " %,12d", size));
            }
            out.append('\n');
        }
        // The whole ClientState of one client (every detector's state and a suppression state per
        // detector, as if all had alerted), serialized once, plus the key and the cleanup timer.
        out.append(String.format(Locale.ROOT, "STATE (%d features) %-20s", t.features(), "TOTAL ClientState"));
        long max = 0;
        for (List<InferenceEvent> ev : profiles.values()) {
            long tot = MonitorSpeedBenchmark.clientStateSize(detectors, ev, new AlertSuppression(AlertSettings.fromConfig(c))) + 2L * keyBytes + 8;
            out.append(String.format(Locale.ROOT, " %,12d", tot));
            max = Math.max(max, tot);
        }
        // Single-thread cost of the stateful kNN (200 benign clients x 500 events, after a warm-up pass).
        List<List<InferenceEvent>> streams = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            streams.add(t.benign("cost-" + i, 500, 1.0, 1_000 + i));
        }
        for (ServingDetector<?> d : detectors) {
            if (d.id().equals(StatefulKnnDetector.ID)) {
                MonitorSpeedBenchmark.costNs(d, streams);
                MonitorSpeedBenchmark.costNs(d, streams);
                out.append(String.format(Locale.ROOT, "%nSTATE (%d features) stateful_knn %d ns/event (1 thread, 200 x 500 benign)",
                        t.features(), MonitorSpeedBenchmark.costNs(d, streams)));
            }
        }
        System.out.println(out);
        return max;
    }
}
