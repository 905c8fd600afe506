package io.modelwarden.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.synth.PoisonedDataset;
import org.junit.jupiter.api.Test;

class TrainingFingerprintsTest {
    private static final FingerprintSettings SETTINGS = FingerprintSettings.defaults();

    @Test
    void noFalseNegativesAndFalsePositiveRateNearTarget() {
        PoisonedDataset train = PoisonedDataset.clean(8, 50_000, 30);
        ScanProfile p = new ScanProfile(train.featureNames(), 10, 1);
        for (long i = 0; i < train.rows(); i++) {
            p.add(train.row(i));
        }
        Standardizer std = p.standardizer();
        TrainingFingerprints fp = TrainingFingerprints.create(train.rows(), SETTINGS);
        for (long i = 0; i < train.rows(); i++) {
            fp.add(std.apply(train.row(i).features));
        }
        for (long i = 0; i < train.rows(); i++) {
            assertThat(fp.mightContain(std.apply(train.row(i).features))).isTrue();
        }
        PoisonedDataset other = train.resampled(77);
        int hits = 0;
        for (long i = 0; i < other.rows(); i++) {
            if (fp.mightContain(std.apply(other.row(i).features))) {
                hits++;
            }
        }
        double fpr = (double) hits / other.rows();
        System.out.printf("bloom: bits=%d hashes=%d bytes=%d expected=%.4f measured fpr=%.4f%n", fp.bits(), fp.hashes(), fp.sizeBytes(), fp.expectedFpp(), fpr);
        assertThat(fp.hashes()).isEqualTo(7);
        assertThat(fpr).isBetween(0.005, 0.015);
    }

    @Test
    void halvesMergeIntoOnePassAndSurviveSerialisation() {
        TrainingFingerprints whole = TrainingFingerprints.create(1000, SETTINGS);
        TrainingFingerprints a = TrainingFingerprints.create(1000, SETTINGS);
        TrainingFingerprints b = TrainingFingerprints.create(1000, SETTINGS);
        for (int i = 0; i < 1000; i++) {
            double[] z = {i * 0.37, -i * 0.11, Math.sin(i)};
            whole.add(z);
            (i % 2 == 0 ? a : b).add(z);
        }
        a.merge(b);
        assertThat(a.toBytes()).isEqualTo(whole.toBytes());
        TrainingFingerprints back = TrainingFingerprints.fromBase64(whole.toBase64());
        assertThat(back.toBytes()).isEqualTo(whole.toBytes());
        assertThat(back.mightContain(new double[] {37 * 0.37, -37 * 0.11, Math.sin(37)})).isTrue();
        assertThatThrownBy(() -> a.merge(TrainingFingerprints.create(10, SETTINGS))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrainingFingerprints.fromBytes(new byte[] {1, 2, 3, 4, 5})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sizeIsCapped() {
        TrainingFingerprints fp = TrainingFingerprints.create(1_000_000_000L, new FingerprintSettings(0.01, 0.01, 1 << 20));
        assertThat(fp.sizeBytes()).isEqualTo(1 << 20);
        assertThat(fp.hashes()).isGreaterThanOrEqualTo(1);
    }
}
