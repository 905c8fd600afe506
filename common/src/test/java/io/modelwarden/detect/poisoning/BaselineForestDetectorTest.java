package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.json.Json;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.PoisonedDataset.Poison;
import io.modelwarden.synth.PoisonedDataset.Rates;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The trusted baseline's forest against clustered poison that the poisoned data's own forest partly takes for normal. */
class BaselineForestDetectorTest {
    private static final int ROWS = 100_000;
    private static final int FEATURES = 8;

    private record Fit(ScanProfile profile, IsolationForestDetector forest) {}

    private static Fit fit(List<TrainingRow> rows, String[] names) {
        ScanProfile p = new ScanProfile(names, 20_000, 42);
        rows.forEach(p::add);
        List<double[]> z = new ArrayList<>();
        for (TrainingRow r : p.sample().rows()) {
            z.add(p.standardizer().apply(r.features));
        }
        return new Fit(p, IsolationForestDetector.fit(IsolationForestSettings.defaults(), z));
    }

    /** Rows (by index) a detector flags, z-scoring as the scan does with the scan's own standardizer. */
    private static Set<Long> flagged(RowDetector d, List<TrainingRow> rows, Standardizer own) {
        Set<Long> out = new HashSet<>();
        for (TrainingRow r : rows) {
            if (d.score(r, own.apply(r.features)) >= d.threshold()) {
                out.add(r.rowIndex);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    @Test
    void aClusterOfPoisonIsFoundAgainstTheTrustedForestWhereTheDatasOwnForestCapsIt() {
        PoisonedDataset trusted = PoisonedDataset.clean(7, ROWS, FEATURES);
        Fit base = fit(trusted.all(), trusted.featureNames());
        // Through a baseline's JSON, as a later scan reads it.
        Map<String, Object> entry = Json.MAPPER.convertValue(Json.read(Json.write(Map.of("model", base.forest().toModelJson()))), Map.class);
        assertThat(BaselineForestDetector.fromBaselineEntry(Map.of("threshold", 0.6), base.profile().standardizer(), "scan-trusted", null)).isNull();

        PoisonedDataset clustered = PoisonedDataset.poisoned(7, ROWS, FEATURES, new Rates(0.05, 0, 0, 0)).resampled(5).withOutlierCluster();
        List<TrainingRow> rows = clustered.all();
        Fit own = fit(rows, clustered.featureNames());
        BaselineForestDetector against = BaselineForestDetector.fromBaselineEntry(entry, base.profile().standardizer(), "scan-trusted", own.forest());
        Set<Long> truth = new HashSet<>(clustered.indexesOf(Poison.OUTLIER));
        Set<Long> byOwn = flagged(own.forest(), rows, own.profile().standardizer());
        Set<Long> byTrusted = flagged(against, rows, own.profile().standardizer());
        long ownHits = byOwn.stream().filter(truth::contains).count();
        long trustedHits = byTrusted.stream().filter(truth::contains).count();
        System.out.printf("5%% cluster (%d rows): the data's own forest flags %d (%d of the cluster), the trusted forest %d (%d)%n",
                truth.size(), byOwn.size(), ownHits, byTrusted.size(), trustedHits);
        // The own threshold is the sample's 99th score percentile: about 1% of the rows at most.
        assertThat(ownHits).isLessThan(truth.size() / 2);
        // The rows the own forest flags are its findings; this one reports the rest of the cluster.
        assertThat(byTrusted).doesNotContainAnyElementsOf(byOwn);
        assertThat(trustedHits + ownHits).isGreaterThanOrEqualTo((long) (0.95 * truth.size()));
        assertThat(byTrusted.size() - trustedHits).isLessThan(ROWS / 50); // clean rows: the trusted data's own tail

        // A clean split: no more than the trusted data's own tail beyond the split's own.
        List<TrainingRow> split = PoisonedDataset.clean(7, ROWS, FEATURES).resampled(6).all();
        Fit splitFit = fit(split, trusted.featureNames());
        BaselineForestDetector onSplit = BaselineForestDetector.fromBaselineEntry(entry, base.profile().standardizer(), "scan-trusted", splitFit.forest());
        System.out.printf("clean split: own forest %d, trusted forest beyond it %d%n", flagged(splitFit.forest(), split, splitFit.profile().standardizer()).size(),
                flagged(onSplit, split, splitFit.profile().standardizer()).size());
        assertThat(flagged(onSplit, split, splitFit.profile().standardizer()).size()).isLessThan(ROWS / 100);

        TrainingRow hit = rows.get((int) (long) byTrusted.iterator().next());
        double[] z = own.profile().standardizer().apply(hit.features);
        assertThat(against.explain(hit, z, against.score(hit, z)).evidence()).containsEntry("baseline_scan_id", "scan-trusted")
                .containsKeys("top_features", "own_forest_score");
    }
}
