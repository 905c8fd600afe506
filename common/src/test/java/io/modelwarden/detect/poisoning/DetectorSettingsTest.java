package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.baseline.FingerprintSettings;
import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectorSettingsTest {
    @Test
    void defaultsMirrorWardenYaml() {
        assertThat(DuplicateSettings.defaults()).isEqualTo(new DuplicateSettings(0.01, 2, 1000, 4096, 1e-4, 1e-3, 1e-3));
        assertThat(BackdoorSettings.defaults()).isEqualTo(new BackdoorSettings(0.001, 0.05, 0.95, 10, 0.5, 0.05, 0.5, 0.35, 42, 0.001));
        assertThat(DriftSettings.defaults()).isEqualTo(new DriftSettings(10, 0.2, 0.1, 0.05, 1000, 100, 0.5, 0.1, 0.1));
        assertThat(SchemaSettings.defaults()).isEqualTo(new SchemaSettings(3.0, 0.01, 0.05, 0.05, 0.001));
        assertThat(FingerprintSettings.defaults()).isEqualTo(new FingerprintSettings(0.01, 0.01, 64L << 20));
    }

    @Test
    void invalidValuesNameTheKey() {
        Config c = Config.defaults();
        assertThatThrownBy(() -> DuplicateSettings.fromConfig(c.with("scan.detectors.duplicates.max-natural-share", "0")))
                .isInstanceOf(ConfigException.class).hasMessage("scan.detectors.duplicates.max-natural-share must be in (0, 1], was 0.0");
        assertThatThrownBy(() -> DuplicateSettings.fromConfig(c.with("scan.detectors.duplicates.radius", "0.1")))
                .isInstanceOf(ConfigException.class).hasMessage("scan.detectors.duplicates.radius must be in [0, 0.05], was 0.1");
        assertThatThrownBy(() -> DuplicateSettings.fromConfig(c.with("scan.detectors.duplicates.min-copies", "1")))
                .isInstanceOf(ConfigException.class).hasMessage("scan.detectors.duplicates.min-copies must be >= 2, was 1");
        assertThatThrownBy(() -> BackdoorSettings.fromConfig(c.with("scan.detectors.backdoor.max-support", "0.0001")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("scan.detectors.backdoor.max-support must be >= min-support");
        assertThatThrownBy(() -> DriftSettings.fromConfig(c.with("scan.detectors.drift.bins", "1")))
                .isInstanceOf(ConfigException.class).hasMessage("scan.detectors.drift.bins must be >= 2, was 1");
        assertThatThrownBy(() -> SchemaSettings.fromConfig(c.with("scan.detectors.schema.iqr-factor", "-1")))
                .isInstanceOf(ConfigException.class).hasMessage("scan.detectors.schema.iqr-factor must be > 0, was -1.0");
        assertThatThrownBy(() -> FingerprintSettings.fromConfig(c.with("scan.detectors.duplicates.fingerprint-fpp", "1.5")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("scan.detectors.duplicates.fingerprint-fpp must be in (0, 1)");
    }

    @Test
    void rowDetectorsAreJavaSerialisable() throws Exception {
        PoisonedDataset d = PoisonedDataset.poisoned(3, 5_000, 8, new PoisonedDataset.Rates(0, 0, 0, 0.02));
        ScanProfile p = new ScanProfile(d.featureNames(), 5_000, 42);
        d.all().forEach(p::add);
        List<TrainingRow> sample = p.sample().rows();
        BackdoorSettings s = BackdoorSettings.defaults();
        List<RowDetector> detectors = List.of(
                BackdoorTriggerDetector.fit(sample, p.standardizer(), d.featureNames(), s),
                SpectralSignatureDetector.fit(sample, p.standardizer(), s),
                RangeConstraintDetector.fromStats(DatasetStats.of(p), SchemaSettings.defaults()));
        TrainingRow row = d.row(d.indexesOf(PoisonedDataset.Poison.BACKDOOR).get(0));
        double[] z = p.standardizer().apply(row.features);
        for (RowDetector det : detectors) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(det);
            }
            RowDetector copy;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                copy = (RowDetector) in.readObject();
            }
            assertThat(copy.score(row, z)).isEqualTo(det.score(row, z));
            assertThat(copy.parameters()).isEqualTo(det.parameters());
        }
    }
}
