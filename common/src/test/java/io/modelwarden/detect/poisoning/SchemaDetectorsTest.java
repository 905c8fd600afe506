package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.baseline.DatasetSchema;
import io.modelwarden.baseline.DatasetSchema.Column;
import io.modelwarden.baseline.DatasetSchema.ColumnRole;
import io.modelwarden.baseline.DatasetSchema.ColumnType;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchemaDetectorsTest {
    private static final SchemaDetector SCHEMA = new SchemaDetector(SchemaSettings.defaults());
    private static final DatasetSchema BASE = new DatasetSchema(List.of(
            new Column("id", ColumnType.STRING, ColumnRole.ID),
            new Column("a", ColumnType.NUMERIC, ColumnRole.FEATURE),
            new Column("b", ColumnType.NUMERIC, ColumnRole.FEATURE),
            new Column("c", ColumnType.NUMERIC, ColumnRole.FEATURE),
            new Column("label", ColumnType.STRING, ColumnRole.LABEL)));
    private static final Map<String, Long> LABELS = Map.of("0", 500L, "1", 500L);

    private static List<String> subjects(DatasetSchema current, Map<String, Long> labels, long read, long rejected) {
        return SCHEMA.check(BASE, LABELS, current, labels, read, rejected).stream().map(DatasetDetection::subject).toList();
    }

    private static DatasetSchema with(int index, Column replacement) {
        List<Column> cols = new ArrayList<>(BASE.columns());
        if (replacement == null) {
            cols.remove(index);
        } else if (index == cols.size()) {
            cols.add(replacement);
        } else {
            cols.set(index, replacement);
        }
        return new DatasetSchema(cols);
    }

    @Test
    void cleanDatasetPassesEveryConstraint() {
        assertThat(SCHEMA.check(BASE, LABELS, BASE, Map.of("0", 480L, "1", 520L), 1000, 10)).isEmpty();
    }

    @Test
    void eachConstraintFires() {
        assertThat(subjects(with(2, null), LABELS, 1000, 0)).containsExactly("missing_column:b");
        assertThat(subjects(with(5, new Column("d", ColumnType.NUMERIC, ColumnRole.IGNORED)), LABELS, 1000, 0)).containsExactly("new_column:d");
        assertThat(subjects(with(1, new Column("a", ColumnType.STRING, ColumnRole.FEATURE)), LABELS, 1000, 0)).containsExactly("retyped_column:a");
        assertThat(subjects(with(1, new Column("a", ColumnType.NUMERIC, ColumnRole.IGNORED)), LABELS, 1000, 0)).containsExactly("role_changed:a");
        List<Column> swapped = new ArrayList<>(BASE.columns());
        swapped.set(1, BASE.columns().get(2));
        swapped.set(2, BASE.columns().get(1));
        assertThat(subjects(new DatasetSchema(swapped), LABELS, 1000, 0)).containsExactly("feature_order:features");
        assertThat(subjects(BASE, Map.of("0", 500L, "1", 480L, "7", 20L), 1000, 0)).containsExactly("new_classes", "label_cardinality");
        assertThat(subjects(BASE, Map.of("0", 1000L), 1000, 0)).containsExactly("label_cardinality");
        assertThat(subjects(BASE, LABELS, 1000, 11)).containsExactly("rejected_rows");

        DatasetDetection d = SCHEMA.check(BASE, LABELS, BASE, LABELS, 1000, 50).get(0);
        assertThat(d.kind()).isEqualTo(FindingKind.SCHEMA);
        assertThat(d.detector()).isEqualTo("schema");
        assertThat(d.detection().evidence()).containsEntry("constraint", "rejected_rows").containsEntry("threshold", 0.01);
        assertThat(d.detection().score()).isGreaterThan(0.5);
    }

    @Test
    void aFeatureMissingMoreOftenThanItsBaselineAllowsIsAFinding() {
        String[] features = {"a", "b", "c"};
        long[] missing = {100, 100, 30}; // shares 0.10, 0.10, 0.03 of 1,000 rows
        // Without a baseline every share counts from 0: a and b are above 0.05, c is not.
        assertThat(SCHEMA.missingValues(features, missing, 1000, Map.of()).stream().map(DatasetDetection::subject))
                .containsExactly("missing_values:a", "missing_values:b");
        // A baseline where b was already 8% missing: b is 2 points above it, within 0.05.
        List<DatasetDetection> d = SCHEMA.missingValues(features, missing, 1000, Map.of("b", 0.08));
        assertThat(d).extracting(DatasetDetection::subject).containsExactly("missing_values:a");
        assertThat(d.get(0).detection().evidence()).containsEntry("missing", 100L).containsEntry("share", 0.1)
                .containsEntry("baseline_share", 0.0).containsEntry("threshold", 0.05);
        assertThat(d.get(0).kind()).isEqualTo(io.modelwarden.model.FindingKind.SCHEMA);
        assertThat(SCHEMA.missingValues(features, new long[3], 1000, Map.of())).isEmpty();
    }

    @Test
    void rangeConstraintFlagsOutliersAndNotCleanRows() {
        PoisonedDataset base = PoisonedDataset.clean(31, 20_000, 30);
        DatasetStats stats = DriftDetectorTest.stats(base);
        RangeConstraintDetector det = RangeConstraintDetector.fromStats(stats, SchemaSettings.defaults());

        PoisonedDataset current = PoisonedDataset.poisoned(31, 20_000, 30, new PoisonedDataset.Rates(0.01, 0, 0, 0)).resampled(4);
        Set<Long> outliers = new HashSet<>(current.indexesOf(PoisonedDataset.Poison.OUTLIER));
        int flaggedClean = 0;
        int flaggedOutliers = 0;
        int clean = 0;
        for (long i = 0; i < current.rows(); i++) {
            TrainingRow r = current.row(i);
            double s = det.score(r, null);
            assertThat(s).isBetween(0.0, 1.0);
            boolean flagged = s >= det.threshold();
            if (outliers.contains(i)) {
                flaggedOutliers += flagged ? 1 : 0;
            } else {
                clean++;
                flaggedClean += flagged ? 1 : 0;
            }
        }
        double recall = (double) flaggedOutliers / outliers.size();
        double fpr = (double) flaggedClean / clean;
        System.out.printf("range: outlier recall=%.4f clean fpr=%.6f%n", recall, fpr);
        assertThat(fpr).isLessThan(0.001);
        assertThat(recall).isGreaterThan(0.9);

        TrainingRow bad = current.row(0);
        bad.features = bad.features.clone();
        bad.features[3] = Double.NaN;
        double s = det.score(bad, null);
        assertThat(s).isEqualTo(1.0);
        assertThat(det.explain(bad, null, s).evidence().get("violations")).asList().hasSize(1);
    }

    @Test
    void zeroIqrFeatureFallsBackToBaselineRange() {
        RangeConstraintDetector det = new RangeConstraintDetector(new String[] {"k"}, new double[] {1}, new double[] {1},
                new double[] {0}, new double[] {3}, 3.0);
        assertThat(det.score(new TrainingRow("r", 0, 0, new double[] {2}, "a"), null)).isZero();
        assertThat(det.score(new TrainingRow("r", 0, 0, new double[] {4}, "a"), null)).isGreaterThan(0.5);
    }
}
