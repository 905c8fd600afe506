package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.type.TypeReference;
import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.detect.Detection;
import io.modelwarden.json.Json;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.Metrics;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.PoisonedDataset.Poison;
import io.modelwarden.synth.PoisonedDataset.Rates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IsolationForestDetectorTest {
    private static final int ROWS = 50_000;
    private static final int FEATURES = 30;
    private static final int SAMPLE = 20_000; // scan.reference-sample-size
    private static final long SEED = 42;

    private static Fitted outliers;
    private static Fitted clean;

    /** A dataset scored the way a scan does it: profile -> standardizer -> fit on the sample -> score every row. */
    private record Fitted(PoisonedDataset data, List<TrainingRow> rows, List<double[]> z, IsolationForestDetector detector,
            double[] scores) {}

    @BeforeAll
    static void fit() {
        outliers = fitOn(PoisonedDataset.poisoned(11, ROWS, FEATURES, new Rates(0.01, 0, 0, 0)), IsolationForestSettings.defaults());
        clean = fitOn(PoisonedDataset.clean(12, ROWS, FEATURES), IsolationForestSettings.defaults());
    }

    static Fitted fitOn(PoisonedDataset data, IsolationForestSettings settings) {
        List<TrainingRow> rows = data.all();
        ScanProfile profile = new ScanProfile(data.featureNames(), SAMPLE, SEED);
        rows.forEach(profile::add);
        Standardizer standardizer = profile.standardizer();
        List<double[]> sample = new ArrayList<>();
        for (TrainingRow r : profile.sample().rows()) {
            sample.add(standardizer.apply(r.features));
        }
        IsolationForestDetector detector = IsolationForestDetector.fit(settings, sample);
        List<double[]> z = new ArrayList<>(rows.size());
        double[] scores = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            z.add(standardizer.apply(rows.get(i).features));
            scores[i] = detector.score(rows.get(i), z.get(i));
        }
        return new Fitted(data, rows, z, detector, scores);
    }

    @Test
    void ranksFarOutliersAboveCleanRows() {
        boolean[] isOutlier = new boolean[ROWS];
        for (int i = 0; i < ROWS; i++) {
            isOutlier[i] = outliers.data().poisonOf(i) == Poison.OUTLIER;
        }

        double auc = Metrics.rocAuc(outliers.scores(), isOutlier);
        int flaggedOutliers = 0;
        int flaggedClean = 0;
        int outlierCount = 0;
        for (int i = 0; i < ROWS; i++) {
            boolean flagged = outliers.scores()[i] >= outliers.detector().threshold();
            outlierCount += isOutlier[i] ? 1 : 0;
            flaggedOutliers += flagged && isOutlier[i] ? 1 : 0;
            flaggedClean += flagged && !isOutlier[i] ? 1 : 0;
        }
        System.out.printf("iforest outliers: AUC=%.5f threshold=%.4f outliers=%d flagged outliers=%d flagged clean=%d params=%s%n",
                auc, outliers.detector().threshold(), outlierCount, flaggedOutliers, flaggedClean, outliers.detector().parameters());

        assertThat(auc).isGreaterThanOrEqualTo(0.95);
        assertThat(flaggedOutliers).isGreaterThanOrEqualTo((int) (0.9 * outlierCount));
    }

    @Test
    void scoresAreInUnitIntervalAndCleanDataIsRarelyFlagged() {
        int flagged = 0;
        for (double s : clean.scores()) {
            assertThat(s).isBetween(0.0, 1.0);
            flagged += s >= clean.detector().threshold() ? 1 : 0;
        }
        for (double s : outliers.scores()) {
            assertThat(s).isBetween(0.0, 1.0);
        }
        double share = flagged / (double) ROWS;
        System.out.printf("iforest clean: flagged share=%.5f threshold=%.4f params=%s%n", share, clean.detector().threshold(),
                clean.detector().parameters());
        assertThat(share).isLessThanOrEqualTo(0.02);
        assertThat(clean.detector().threshold()).isGreaterThanOrEqualTo(0.6);
    }

    @Test
    void sameSeedGivesIdenticalScoresAndAnotherSeedDiffers() {
        List<double[]> sample = outliers.z().subList(0, 5_000);
        IsolationForestDetector a = IsolationForestDetector.fit(IsolationForestSettings.defaults(), sample);
        IsolationForestDetector b = IsolationForestDetector.fit(IsolationForestSettings.defaults(), sample);
        IsolationForestDetector other = IsolationForestDetector.fit(new IsolationForestSettings(100, 256, 0.01, 0.6, 7), sample);

        boolean anyDifferent = false;
        for (int i = 0; i < 2_000; i++) {
            double[] z = outliers.z().get(i);
            assertThat(a.scoreZ(z)).isEqualTo(b.scoreZ(z));
            anyDifferent |= a.scoreZ(z) != other.scoreZ(z);
        }
        assertThat(a.threshold()).isEqualTo(b.threshold());
        assertThat(anyDifferent).isTrue();
    }

    @Test
    void modelJsonRoundTripScoresIdentically() throws Exception {
        IsolationForestDetector original = outliers.detector();

        String json = Json.write(original.toModelJson());
        Map<String, Object> parsed = Json.MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {});
        IsolationForestDetector restored = IsolationForestDetector.fromModelJson(parsed);

        assertThat(restored.threshold()).isEqualTo(original.threshold());
        assertThat(restored.parameters()).isEqualTo(original.parameters());
        for (int i = 0; i < ROWS; i++) {
            double[] z = outliers.z().get(i);
            assertThat(restored.scoreZ(z)).isEqualTo(outliers.scores()[i]);
        }
    }

    @Test
    void completeTreeLayoutGivesThePointerWalksPathLengthsBitForBit() {
        IsolationForestDetector d = outliers.detector();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        List<double[]> queries = new ArrayList<>(outliers.z().subList(0, 2_000));
        for (int i = 0; i < 2_000; i++) {
            double[] q = new double[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                // Far values, exact cut values, signed zeros and NaN: every way a comparison can go.
                q[j] = switch (r.nextInt(6)) {
                    case 0 -> Double.NaN;
                    case 1 -> r.nextBoolean() ? 0.0 : -0.0;
                    case 2 -> r.nextGaussian() * 50;
                    default -> r.nextGaussian();
                };
            }
            queries.add(q);
        }
        for (double[] q : queries) {
            assertThat(Double.doubleToRawLongBits(d.meanPathLength(q))).isEqualTo(Double.doubleToRawLongBits(d.meanPathLengthByPointers(q)));
        }
    }

    @Test
    void explainsWithPathLengthsAndTopFeatures() {
        int i = outliers.data().indexesOf(Poison.OUTLIER).get(0).intValue();
        IsolationForestDetector d = outliers.detector();
        double score = outliers.scores()[i];

        Detection det = d.explain(outliers.rows().get(i), outliers.z().get(i), score);

        assertThat(det.score()).isEqualTo(score);
        assertThat(det.evidence()).containsKeys("score", "threshold", "mean_path_length", "expected_path_length", "top_features");
        assertThat((double) det.evidence().get("expected_path_length")).isCloseTo(10.2448, within(1e-3)); // c(256)
        List<?> top = (List<?>) det.evidence().get("top_features");
        assertThat(top).hasSize(3);
        double first = Math.abs((double) ((Map<?, ?>) top.get(0)).get("z"));
        double third = Math.abs((double) ((Map<?, ?>) top.get(2)).get("z"));
        assertThat(first).isGreaterThanOrEqualTo(third);
        assertThat(Json.evidence(det.evidence())).contains("top_features");
        assertThat(d.parameters()).containsKeys("trees", "subsample", "contamination", "min_score", "threshold", "score_p50",
                "score_p90", "score_p99");
    }

    @Test
    void averagePathLengthMatchesTheFormula() {
        assertThat(IsolationForestDetector.averagePathLength(1)).isEqualTo(0.0);
        assertThat(IsolationForestDetector.averagePathLength(2)).isEqualTo(1.0);
        // 2 (ln 255 + gamma) - 2 * 255 / 256
        assertThat(IsolationForestDetector.averagePathLength(256)).isCloseTo(10.2448, within(1e-3));
    }

    @Test
    void settingsValidationNamesTheKey() {
        assertThatThrownBy(() -> new IsolationForestSettings(-3, 256, 0.01, 0.6, 1))
                .isInstanceOf(ConfigException.class)
                .hasMessage("scan.detectors.isolation-forest.trees must be > 0, was -3");
        assertThatThrownBy(() -> new IsolationForestSettings(100, 1, 0.01, 0.6, 1))
                .hasMessageStartingWith("scan.detectors.isolation-forest.subsample-size must be");
        assertThatThrownBy(() -> new IsolationForestSettings(100, 256, 0.7, 0.6, 1))
                .hasMessageStartingWith("scan.detectors.isolation-forest.contamination must be");
        assertThatThrownBy(() -> new IsolationForestSettings(100, 256, 0.01, 1.5, 1))
                .hasMessageStartingWith("scan.detectors.isolation-forest.min-score must be");
        assertThatThrownBy(() -> IsolationForestSettings.fromConfig(
                        Config.defaults().with(IsolationForestSettings.TREES, "0"), 1))
                .hasMessage("scan.detectors.isolation-forest.trees must be > 0, was 0");
    }

    @Test
    void defaultsMirrorTheConfigFile() {
        assertThat(IsolationForestSettings.fromConfig(Config.defaults(), IsolationForestSettings.DEFAULT_SEED))
                .isEqualTo(IsolationForestSettings.defaults());
        assertThat(Config.defaults().getLong("scan.seed")).isEqualTo(IsolationForestSettings.DEFAULT_SEED);
    }
}
