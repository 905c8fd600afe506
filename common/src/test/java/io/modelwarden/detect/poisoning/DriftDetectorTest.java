package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.FindingKind;

import io.modelwarden.synth.PoisonedDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriftDetectorTest {
    private static final DriftDetector DETECTOR = new DriftDetector(DriftSettings.defaults());

    /** The statistics a scan takes from its profile, with the default row sample (20,000 rows). */
    static DatasetStats stats(PoisonedDataset d) {
        ScanProfile p = new ScanProfile(d.featureNames(), 20_000, 1);
        for (long i = 0; i < d.rows(); i++) {
            p.add(d.row(i));
        }
        return DatasetStats.of(p);
    }

    private static List<String> first(int k) {
        List<String> out = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            out.add("f" + j);
        }
        return out;
    }

    private static List<String> drifted(DriftDetector.Report r) {
        return r.features().stream().filter(DriftDetector.FeatureDrift::drifted).map(DriftDetector.FeatureDrift::feature).toList();
    }

    private static void print(String what, DriftDetector.Report r) {
        double maxPsi = r.features().stream().mapToDouble(DriftDetector.FeatureDrift::psi).max().orElse(0);
        double maxW = r.features().stream().mapToDouble(DriftDetector.FeatureDrift::wasserstein).max().orElse(0);
        System.out.printf("%s: drifted=%s share=%.3f maxPsi=%.4f maxW=%.4f label=%s%n", what, drifted(r), r.driftedShare(), maxPsi, maxW,
                r.label() == null ? null : r.label().jsDistance());
    }

    @Test
    void cleanResampleDoesNotDrift() {
        PoisonedDataset base = PoisonedDataset.clean(21, 50_000, 30);
        DriftDetector.Report r = DETECTOR.compare(stats(base), stats(base.resampled(99)));
        print("clean", r);
        assertThat(r.detections()).isEmpty();
        assertThat(r.features()).hasSize(30).allSatisfy(f -> {
            assertThat(f.hasVerdict()).isTrue();
            assertThat(f.ksStatistic()).isNull();
        });
    }

    @Test
    void shiftedFeaturesDrift() {
        PoisonedDataset base = PoisonedDataset.clean(21, 50_000, 30);
        DriftDetector.Report r = DETECTOR.compare(stats(base), stats(base.shifted(0.4, 0.5, 7)));
        print("shifted 0.4/0.5", r);
        assertThat(drifted(r)).containsExactlyElementsOf(first(12));
        assertThat(r.datasetDrift()).isFalse();
        assertThat(r.detections()).hasSize(12).allSatisfy(d -> {
            assertThat(d.kind()).isEqualTo(FindingKind.DRIFT);
            assertThat(d.detector()).isEqualTo("drift");
            assertThat(d.detection().evidence()).containsEntry("direction", "up").containsEntry("feature", d.subject())
                    .containsKeys("statistic", "threshold", "n_baseline", "n_current");
            assertThat(d.detection().score()).isGreaterThanOrEqualTo(0.5);
        });
    }

    @Test
    void datasetLevelDriftWhenMostFeaturesMove() {
        PoisonedDataset base = PoisonedDataset.clean(21, 20_000, 30);
        DriftDetector.Report r = DETECTOR.compare(stats(base), stats(base.shifted(0.6, 0.5, 7)));
        print("shifted 0.6/0.5", r);
        assertThat(r.datasetDrift()).isTrue();
        assertThat(r.detections()).anySatisfy(d -> assertThat(d.subject()).isEqualTo(DriftDetector.DATASET_SUBJECT));
    }

    @Test
    void smallSamplesUseBonferroniKs() {
        PoisonedDataset base = PoisonedDataset.clean(21, 800, 30);
        DriftDetector.Report clean = DETECTOR.compare(stats(base), stats(base.resampled(5)));
        print("ks clean", clean);
        assertThat(clean.features()).allSatisfy(f -> assertThat(f.ksPValue()).isNotNull());
        assertThat(clean.detections()).isEmpty();

        DriftDetector.Report shifted = DETECTOR.compare(stats(base), stats(base.shifted(0.4, 1.0, 5)));
        print("ks shifted 0.4/1.0", shifted);
        assertThat(drifted(shifted)).containsExactlyElementsOf(first(12));
        assertThat(shifted.detections()).first().satisfies(d -> assertThat(d.detection().evidence()).containsEntry("statistic", "ks"));
    }

    @Test
    void tooFewRowsGiveNoVerdict() {
        PoisonedDataset base = PoisonedDataset.clean(21, 5_000, 30);
        PoisonedDataset tiny = PoisonedDataset.clean(21, 50, 30).shifted(1.0, 3.0, 3);
        DriftDetector.Report r = DETECTOR.compare(stats(base), stats(tiny));
        assertThat(r.features()).allSatisfy(f -> {
            assertThat(f.hasVerdict()).isFalse();
            assertThat(f.reason()).contains("min-rows");
        });
        assertThat(r.detections()).isEmpty();
    }

    @Test
    void labelDistributionDrift() {
        PoisonedDataset base = PoisonedDataset.clean(21, 5_000, 30);
        DatasetStats b = stats(base);
        DatasetStats skewed = new DatasetStats(b.featureNames(), b.rows(), b.counts(), b.means(), b.stds(), b.sketches(),
                Map.of("0", 3000L, "1", 1000L, "2", 1000L));
        DriftDetector.Report r = DETECTOR.compare(b, skewed);
        System.out.printf("label js=%.4f%n", r.label().jsDistance());
        assertThat(r.label().drifted()).isTrue();
        assertThat(r.detections()).singleElement().satisfies(d -> assertThat(d.subject()).isEqualTo(DriftDetector.LABEL_SUBJECT));
        assertThat(DETECTOR.compare(b, b).detections()).isEmpty();
    }

    /**
     * 500 classes over 2,000 rows, two draws of one distribution: the plain distance lies near 0.3 on
     * sampling noise alone (over the 0.1 threshold: a label drift on every such scan before it was
     * debiased); the debiased one does not drift. A tenth of the rows moved to another class does.
     */
    @Test
    void manyClassLabelsOfOneDistributionDoNotDrift() {
        PoisonedDataset base = PoisonedDataset.clean(21, 2_000, 3);
        DatasetStats b = stats(base);
        Map<String, Long> first = CategoryChecksTest.zipf(2_000, 500, 1).counts();
        Map<String, Long> second = CategoryChecksTest.zipf(2_000, 500, 2).counts();
        assertThat(DriftDetector.jsDistance(first, second, null, null)).isGreaterThan(0.25);
        DriftDetector.Report r = DETECTOR.compare(withLabels(b, first), withLabels(b, second));
        System.out.printf("500 classes, 2,000 rows: debiased label js=%.4f p=%.3g%n", r.label().jsDistance(), r.label().chiSquareP());
        assertThat(r.label().drifted()).isFalse();
        Map<String, Long> moved = new java.util.TreeMap<>(second);
        moved.merge("c0", -200L, Long::sum);
        moved.merge("c7", 200L, Long::sum);
        assertThat(DETECTOR.compare(withLabels(b, first), withLabels(b, moved)).label().drifted()).isTrue();
    }

    private static DatasetStats withLabels(DatasetStats s, Map<String, Long> labels) {
        return new DatasetStats(s.featureNames(), s.rows(), s.counts(), s.means(), s.stds(), s.sketches(), labels);
    }

    @Test
    void psiAndWassersteinOfIdenticalSketchesAreZero() {
        DatasetStats b = stats(PoisonedDataset.clean(2, 2_000, 3));
        assertThat(DriftDetector.psi(b.sketches()[0], b.sketches()[0], 10)).isZero();
        assertThat(DriftDetector.wasserstein(b.sketches()[0], b.sketches()[0])).isZero();
        assertThat(DriftDetector.ksStatistic(b.sketches()[0], b.sketches()[0])).isZero();
    }

}
