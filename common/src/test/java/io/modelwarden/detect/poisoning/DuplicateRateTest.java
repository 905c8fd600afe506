package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Tails;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.commons.math3.distribution.PoissonDistribution;
import org.junit.jupiter.api.Test;

/** B3's expected duplicate rate: the Poisson tests against a baseline, and the count of extra copies they rest on. */
class DuplicateRateTest {
    private static final DuplicateSettings SETTINGS = DuplicateSettings.defaults();

    @Test
    void poissonTailAgreesWithTheDirectSumAndTheDistribution() {
        for (double mean : new double[] {0.001, 0.02, 0.5, 3}) {
            double term = Math.exp(-mean);
            double below = 0;
            for (int k = 0; k <= 6; k++) {
                // P(X >= k) = 1 - P(X < k), summed directly (fine at these sizes).
                assertThat(Tails.poisson(mean, k)).isCloseTo(1 - below, org.assertj.core.data.Offset.offset(1e-12));
                below += term;
                term *= mean / (k + 1);
            }
        }
        // Large counts, as the dataset-level test has them.
        PoissonDistribution p = new PoissonDistribution(20_000);
        assertThat(Tails.poisson(20_000, 20_300)).isCloseTo(1 - p.cumulativeProbability(20_299), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Tails.poisson(0, 1)).isZero();
        assertThat(Tails.poisson(0.3, 0)).isEqualTo(1);
        // Far tails stay positive and ordered (no cancellation to 0).
        assertThat(Tails.poisson(0.01, 8)).isPositive().isLessThan(Tails.poisson(0.01, 7));
    }

    @Test
    void theSmallestFlaggedGroupGrowsWithTheBaselinesRate() {
        // A baseline without copies: every pair is improbable.
        assertThat(new DuplicateRate(1_000_000, 0).minFlaggedCopies(2, 1e-3)).isEqualTo(2);
        // 1% of the rows doubled: pairs are common (p 0.01), triples are not (p 5e-5).
        DuplicateRate onePercent = new DuplicateRate(1_000_000, 10_000);
        assertThat(onePercent.copiesPerRow()).isCloseTo(0.0101, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(onePercent.pValue(2)).isGreaterThan(1e-3);
        assertThat(onePercent.pValue(3)).isLessThan(1e-3);
        assertThat(onePercent.minFlaggedCopies(2, 1e-3)).isEqualTo(3);
        // Copies everywhere (a third of the rows): larger groups still stand out.
        long heavy = new DuplicateRate(900, 300).minFlaggedCopies(2, 1e-3);
        assertThat(heavy).isGreaterThan(3).isLessThan(10);
        // min-copies stays a floor.
        assertThat(onePercent.minFlaggedCopies(5, 1e-3)).isEqualTo(5);
        // A stricter p-value asks for more copies.
        assertThat(onePercent.minFlaggedCopies(2, 1e-9)).isGreaterThan(3);
    }

    @Test
    void anExcessOfCopiesOverTheBaselinesShareIsADatasetFinding() {
        DuplicateRate base = new DuplicateRate(1_000_000, 20_000); // 2% of the rows are extra copies
        assertThat(base.excess(1_000_000, 20_000, SETTINGS)).isEmpty();
        assertThat(base.excess(1_000_000, 20_500, SETTINGS)).as("0.05% more: within max-excess-share").isEmpty();

        Optional<DatasetDetection> more = base.excess(1_000_000, 30_000, SETTINGS); // 1% injected
        assertThat(more).isPresent();
        DatasetDetection d = more.get();
        assertThat(d.detector()).isEqualTo(DuplicateRate.ID);
        assertThat(d.kind()).isEqualTo(io.modelwarden.model.FindingKind.DUPLICATE);
        Map<String, Object> ev = d.detection().evidence();
        assertThat((double) ev.get("excess_share")).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-9));
        assertThat((double) ev.get("p_value")).isLessThan(1e-3);
        assertThat((double) ev.get("expected_extra_copies")).isEqualTo(20_000.0);
        assertThat(d.detection().score()).isCloseTo(0.01 / 0.011, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ev).containsEntry("radius", SETTINGS.radius()).containsEntry("baseline_radius", null);

        // A small file: 0.3% more than the baseline's share, but 13 copies where 10 are expected is no evidence.
        DuplicateRate small = new DuplicateRate(1_000, 10);
        assertThat(small.excess(1_000, 13, SETTINGS)).isEmpty();
        assertThat(small.excess(1_000, 40, SETTINGS)).isPresent();
        // Fewer copies than the baseline: nothing.
        assertThat(base.excess(1_000_000, 5_000, SETTINGS)).isEmpty();
        assertThat(base.excess(0, 0, SETTINGS)).isEmpty();
    }

    @Test
    void aBaselineEntryWithoutTheCountsGivesNoRate() {
        assertThat(DuplicateRate.fromBaselineEntry(null)).isEmpty();
        assertThat(DuplicateRate.fromBaselineEntry(Map.of("radius", 0.01))).isEmpty();
        assertThat(DuplicateRate.fromBaselineEntry(Map.of("rows", 100, "extra_copies", 3L)).orElseThrow().baselineExtraCopies()).isEqualTo(3);
        assertThat(DuplicateRate.fromBaselineEntry(Map.of("rows", 100, "extra_copies", 3L, "radius", 0.004))).contains(new DuplicateRate(100, 3, 0.004));
        assertThatThrownBy(() -> new DuplicateRate(10, 11)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theNewKeysAreValidated() {
        assertThatThrownBy(() -> DuplicateSettings.fromConfig(Config.defaults().with("scan.detectors.duplicates.max-p-value", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan.detectors.duplicates.max-p-value");
        assertThatThrownBy(() -> DuplicateSettings.fromConfig(Config.defaults().with("scan.detectors.duplicates.max-excess-share", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan.detectors.duplicates.max-excess-share");
    }

    @Test
    void underABaselineWithCopiesPairsAreNotFlaggedButTheirLabelConflictsAre() {
        DuplicateDetector detector = new DuplicateDetector(SETTINGS, new DuplicateRate(1_000_000, 10_000));
        long[] key = {1, 2};
        DuplicateGroup pair = group(key, "a", "a");
        assertThat(detector.isFlagged(pair)).isFalse();
        assertThat(detector.findings(pair)).isEmpty();

        DuplicateGroup conflict = group(key, "a", "b");
        assertThat(detector.isFlagged(conflict)).isTrue();
        assertThat(detector.findings(conflict)).extracting(DuplicateDetector.MemberFinding::detector).containsExactly(DuplicateDetector.CONFLICT_ID);

        DuplicateGroup triple = group(key, "a", "a", "a");
        List<DuplicateDetector.MemberFinding> found = detector.findings(triple);
        assertThat(found).hasSize(3).allMatch(f -> f.detector().equals(DuplicateDetector.ID));
        Map<String, Object> ev = found.get(0).detection().evidence();
        assertThat(ev.get("min_copies")).isEqualTo(3L);
        assertThat((double) ev.get("p_value")).isLessThan(1e-3);
        // Without a baseline the pair is flagged, as before.
        assertThat(new DuplicateDetector(SETTINGS).findings(pair)).hasSize(2);
    }

    private static DuplicateGroup group(long[] key, String... labels) {
        DuplicateGroup g = null;
        for (int i = 0; i < labels.length; i++) {
            TrainingRow r = new TrainingRow("r" + i, i, 0, new double[] {1.5}, labels[i]);
            DuplicateGroup one = DuplicateGroup.of(r, key, DuplicateKeys.exactKey(r.features));
            g = g == null ? one : DuplicateGroup.merge(g, one);
        }
        return g;
    }

    /**
     * The count the rate rests on, through the buckets as a scan fills them: exact copies are counted
     * exactly, near copies (a third of the radius away) at least 95%, unrelated rows never, and the
     * total does not depend on the order rows reach a bucket (the parallelism).
     */
    @Test
    void extraCopiesAreCountedOncePerRowAcrossBuckets() {
        int d = 12;
        SplittableRandom r = new SplittableRandom(5);
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                x[j] = r.nextGaussian();
            }
            rows.add(x);
        }
        NearDuplicateHash hash = NearDuplicateHash.fit(rows.subList(0, 5_000), d, 0.01, 1e-4, 21_000);
        int exact = 0;
        int near = 0;
        for (int i = 0; i < 1_000; i++) {
            double[] source = rows.get(r.nextInt(20_000));
            if (i % 2 == 0) {
                rows.add(source.clone());
                exact++;
            } else {
                double[] y = source.clone();
                for (int j = 0; j < d; j++) {
                    y[j] += r.nextGaussian() * hash.radius() / 3;
                }
                rows.add(y);
                near++;
            }
        }
        long inOrder = extraCopies(hash, rows, false);
        assertThat(inOrder).isBetween((long) exact + (long) Math.ceil(0.95 * near), (long) exact + near);
        assertThat(extraCopies(hash, rows, true)).isEqualTo(inOrder);

        // Exact copies only (radius 0 routes by exact key): counted exactly.
        DuplicateSettings exactOnly = SETTINGS.withRadius(0);
        Map<Long, List<byte[]>> byKey = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            long[] k = DuplicateKeys.exactKey(rows.get(i));
            byte[] b = DuplicateGroup.oneRowBytes(new TrainingRow("r" + i, i, 0, rows.get(i), "a"), k, new byte[NearDuplicateHash.DIRECTIONS]);
            DuplicateGroup.markHome(b, true);
            byKey.computeIfAbsent(k[0], x -> new ArrayList<>()).add(b);
        }
        assertThat(sum(exactOnly, byKey, false)).isEqualTo(exact);
    }

    private static long extraCopies(NearDuplicateHash hash, List<double[]> rows, boolean shuffled) {
        Map<Long, List<byte[]>> buckets = new TreeMap<>();
        double[] p = new double[NearDuplicateHash.DIRECTIONS];
        long[] b = new long[1 << NearDuplicateHash.MAX_FLIPS];
        byte[] sketch = new byte[NearDuplicateHash.DIRECTIONS];
        for (int i = 0; i < rows.size(); i++) {
            hash.project(rows.get(i), p);
            int n = hash.buckets(p, b);
            hash.sketch(p, sketch, 0);
            for (int k = 0; k < n; k++) {
                byte[] one = DuplicateGroup.oneRowBytes(new TrainingRow("r" + i, i, 0, rows.get(i), "a"), DuplicateKeys.exactKey(rows.get(i)), sketch);
                DuplicateGroup.markHome(one, k == 0);
                buckets.computeIfAbsent(b[k], x -> new ArrayList<>()).add(one);
            }
        }
        return sum(SETTINGS.withRadius(hash.radius()), buckets, shuffled);
    }

    private static long sum(DuplicateSettings settings, Map<Long, List<byte[]>> buckets, boolean shuffled) {
        DuplicateBucket bucket = new DuplicateBucket(settings);
        long total = 0;
        SplittableRandom r = new SplittableRandom(9);
        for (Map.Entry<Long, List<byte[]>> e : buckets.entrySet()) {
            List<byte[]> rows = new ArrayList<>(e.getValue());
            if (shuffled) {
                Collections.shuffle(rows, new java.util.Random(r.nextLong()));
            }
            bucket.reset(e.getKey());
            rows.forEach(bucket::add);
            bucket.groups();
            total += bucket.extraCopies();
        }
        return total;
    }
}
