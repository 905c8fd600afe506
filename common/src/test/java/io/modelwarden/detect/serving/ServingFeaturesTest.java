package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.TrafficScenarios;
import org.junit.jupiter.api.Test;

/** The per-event values the detectors share: computed once per event, never stale. */
class ServingFeaturesTest {
    @Test
    void zIsComputedOncePerEventAndBaselineAndAgainForNewFeatures() {
        TrafficScenarios t = TrafficScenarios.standard();
        ServingBaseline b = t.baseline();
        InferenceEvent e = t.benign("c", 2, 1.0, 3).get(0);
        double[] z = ServingFeatures.z(e, b);
        assertThat(ServingFeatures.z(e, b)).isSameAs(z);
        assertThat(ServingFeatures.zSquaredNorm(e, b)).isEqualTo(ServingFeatures.squaredNorm(b.standardizer().apply(e.features)));
        long hash = ServingVectors.exactHash(e);
        assertThat(hash).isEqualTo(ServingVectors.exactHash(e.features));

        // A deserializer that reuses the event object sets a new features array: nothing cached survives.
        e.features = t.benign("c", 2, 1.0, 4).get(1).features;
        assertThat(ServingFeatures.z(e, b)).isNotSameAs(z).containsExactly(b.standardizer().apply(e.features));
        assertThat(ServingVectors.exactHash(e)).isEqualTo(ServingVectors.exactHash(e.features)).isNotEqualTo(hash);
    }

    @Test
    void thePercentileBinIsTheFirstQuantilePointAtOrAboveTheValue() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + r.nextInt(120);
            double[] q = new double[n];
            for (int i = 0; i < n; i++) {
                q[i] = r.nextInt(30) / 3.0; // few distinct values: runs of equal points
            }
            java.util.Arrays.sort(q);
            for (int k = 0; k < 50; k++) {
                double v = k % 5 == 0 ? q[r.nextInt(n)] : r.nextDouble() * 12 - 1;
                int expected = 0;
                while (expected < n && q[expected] < v) {
                    expected++;
                }
                assertThat(ServingFeatures.percentile(q, v)).as("v=%s in %s", v, java.util.Arrays.toString(q)).isEqualTo(Math.min(n - 1, expected));
            }
        }
        assertThat(ServingFeatures.percentile(new double[] {1.0}, 5.0)).isZero();
    }
}
