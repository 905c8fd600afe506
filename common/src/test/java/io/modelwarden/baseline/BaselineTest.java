package io.modelwarden.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.ConfigException;
import io.modelwarden.detect.poisoning.DatasetStats;
import io.modelwarden.detect.poisoning.DriftDetector;
import io.modelwarden.detect.poisoning.DriftSettings;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineTest {
    @TempDir
    Path dir;

    private static ScanProfile profile(PoisonedDataset d) {
        ScanProfile p = new ScanProfile(d.featureNames(), 100, 1);
        for (long i = 0; i < d.rows(); i++) {
            p.add(d.row(i));
        }
        return p;
    }

    @Test
    void writeReadRoundTrip() throws Exception {
        PoisonedDataset d = PoisonedDataset.clean(3, 5_000, 6);
        ScanProfile p = profile(d);
        DatasetSchema schema = DatasetSchema.of(d.featureNames(), "label");
        Standardizer std = p.standardizer();
        TrainingFingerprints fp = TrainingFingerprints.create(p.rows(), FingerprintSettings.defaults());
        for (long i = 0; i < d.rows(); i++) {
            fp.add(std.apply(d.row(i).features));
        }
        Baseline b = Baseline.fromProfile(p, schema, "scan-1", "sha256:abc")
                .withDetector("isolation_forest", Map.of("trees", 100, "threshold", 0.61, "model", Map.of("depth", List.of(1, 2))))
                .withFingerprints(fp);
        b.write(dir);
        assertThat(dir.resolve("baseline.json")).exists();
        assertThat(dir.resolve("fingerprints.bin")).exists();
        assertThat(Files.readString(dir.resolve("baseline.json"))).contains("\"format_version\" : 1", "\"kll_sketch\"", "\"label_counts\"");

        Baseline r = Baseline.read(dir);
        assertThat(r.createdFromScanId).isEqualTo("scan-1");
        assertThat(r.datasetFingerprint).isEqualTo("sha256:abc");
        assertThat(r.schema).isEqualTo(schema);
        assertThat(r.featureOrder).containsExactly(d.featureNames());
        assertThat(r.rows).isEqualTo(5_000);
        assertThat(r.labelCounts).isEqualTo(p.labelCounts());
        assertThat(r.features.get(2).quantiles).hasSize(101).containsExactly(b.features.get(2).quantiles);
        assertThat(r.features.get(2).mean).isEqualTo(p.moments(2).mean());
        assertThat(r.detectors.get("isolation_forest")).containsEntry("trees", 100).containsEntry("threshold", 0.61);
        assertThat(r.fingerprints).containsEntry("file", "fingerprints.bin").containsEntry("rows", 5_000);
        assertThat(r.fingerprintFilter.toBytes()).isEqualTo(fp.toBytes());

        DatasetStats s = r.stats();
        // Sketches are stored as (item, weight) pairs and rebuilt: equal within KLL's rank error.
        double q = p.sketch(1).getQuantile(0.3, QuantileSearchCriteria.INCLUSIVE);
        assertThat(p.sketch(1).getRank(s.sketches()[1].getQuantile(0.3, QuantileSearchCriteria.INCLUSIVE))).isCloseTo(0.3, within(0.02));
        assertThat(q).isNotNaN();
        DriftDetector.Report self = new DriftDetector(DriftSettings.defaults()).compare(s, DatasetStats.of(p));
        assertThat(self.detections()).isEmpty();
        assertThat(self.features()).allSatisfy(f -> assertThat(f.psi()).isLessThan(1e-3));
        TrainingRow row = d.row(17);
        assertThat(r.standardizer().apply(row.features)).containsExactly(std.apply(row.features));
        assertThat(r.fingerprintFilter.mightContain(r.standardizer().apply(row.features))).isTrue();
    }

    /** Category counts go into baseline.json and come back the same; a baseline written before them has none (null). */
    @Test
    void categoryCountsRoundTrip() throws Exception {
        PoisonedDataset d = PoisonedDataset.clean(3, 2_000, 3);
        ScanProfile p = new ScanProfile(d.featureNames(), new String[] {"colour", "user"}, 50, 100, 1);
        for (long i = 0; i < d.rows(); i++) {
            TrainingRow row = d.row(i);
            row.categories = new String[] {i % 10 == 0 ? null : "c" + (i % 7), "user-" + i};
            p.add(row);
        }
        List<DatasetSchema.Column> cols = new java.util.ArrayList<>(DatasetSchema.of(d.featureNames(), "label").columns());
        cols.add(new DatasetSchema.Column("colour", DatasetSchema.ColumnType.STRING, DatasetSchema.ColumnRole.CATEGORY));
        cols.add(new DatasetSchema.Column("user", DatasetSchema.ColumnType.STRING, DatasetSchema.ColumnRole.CATEGORY));
        DatasetSchema schema = new DatasetSchema(cols);
        Baseline.fromProfile(p, schema, "scan-1", "f").write(dir);
        Baseline r = Baseline.read(dir);
        assertThat(r.schema.categoryNames()).containsExactly("colour", "user");
        var counts = r.categoryCounts();
        assertThat(counts.keySet()).containsExactly("colour", "user");
        assertThat(counts.get("colour").counts()).isEqualTo(p.categories(0).counts());
        assertThat(counts.get("colour").missing()).isEqualTo(200);
        assertThat(counts.get("user").freeText()).isTrue();
        assertThat(counts.get("user").rows()).isEqualTo(2_000);
        assertThat(r.stats().categories()).containsOnlyKeys("colour", "user");

        // A baseline.json without the categories key (written before session 12).
        String json = Files.readString(dir.resolve("baseline.json"));
        int at = json.indexOf("\"categories\"");
        String old = json.substring(0, at) + json.substring(json.indexOf("],", at) + 2);
        Files.writeString(dir.resolve("baseline.json"), old);
        Baseline before = Baseline.read(dir);
        assertThat(before.categories).isNull();
        assertThat(before.categoryCounts()).isEmpty();
    }

    @Test
    void readErrorsNameTheFlag() throws Exception {
        assertThatThrownBy(() -> Baseline.read(dir)).isInstanceOf(ConfigException.class)
                .hasMessage("--baseline: " + dir + " has no baseline.json");
        assertThatThrownBy(() -> Baseline.read(dir.resolve("nope"))).isInstanceOf(ConfigException.class).hasMessageContaining("is not a directory");

        Files.writeString(dir.resolve("baseline.json"), "{\"format_version\": 7}");
        assertThatThrownBy(() -> Baseline.read(dir)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--baseline: unsupported format version 7");

        Files.writeString(dir.resolve("baseline.json"), "{not json");
        assertThatThrownBy(() -> Baseline.read(dir)).isInstanceOf(ConfigException.class).hasMessageStartingWith("--baseline: cannot parse");

        PoisonedDataset d = PoisonedDataset.clean(3, 500, 4);
        Baseline b = Baseline.fromProfile(profile(d), DatasetSchema.of(d.featureNames(), "label"), "s", "f")
                .withFingerprints(TrainingFingerprints.create(500, FingerprintSettings.defaults()));
        b.write(dir);
        Files.delete(dir.resolve("fingerprints.bin"));
        assertThatThrownBy(() -> Baseline.read(dir)).isInstanceOf(ConfigException.class).hasMessageContaining("has no fingerprints.bin");
    }

    @Test
    void schemaMustMatchProfile() {
        PoisonedDataset d = PoisonedDataset.clean(3, 10, 4);
        assertThatThrownBy(() -> Baseline.fromProfile(profile(d), DatasetSchema.of(new String[] {"x"}, "label"), "s", "f"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
