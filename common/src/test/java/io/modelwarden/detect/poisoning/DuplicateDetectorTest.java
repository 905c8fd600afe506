package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DuplicateDetectorTest {
    private static final DuplicateSettings SETTINGS = DuplicateSettings.defaults();

    /** The groups of every bucket, as the scan forms them (a row in several buckets may be in several groups). */
    private static List<DuplicateGroup> group(List<TrainingRow> rows, Standardizer std) {
        NearDuplicateHash hash = NearDuplicateHash.of(SETTINGS.radius(), std.dimensions(), 8);
        Map<Long, DuplicateBucket> buckets = new HashMap<>();
        double[] p = new double[NearDuplicateHash.DIRECTIONS];
        long[] keys = new long[1 << NearDuplicateHash.MAX_FLIPS];
        for (TrainingRow r : rows) {
            hash.project(std.apply(r.features), p);
            int n = hash.buckets(p, keys);
            byte[] sketch = new byte[NearDuplicateHash.DIRECTIONS];
            hash.sketch(p, sketch, 0);
            byte[] one = DuplicateGroup.oneRowBytes(r, DuplicateKeys.exactKey(r.features), sketch);
            for (int i = 0; i < n; i++) {
                buckets.computeIfAbsent(keys[i], k -> {
                    DuplicateBucket b = new DuplicateBucket(SETTINGS);
                    b.reset(k);
                    return b;
                }).add(one);
            }
        }
        List<DuplicateGroup> groups = new ArrayList<>();
        buckets.values().forEach(b -> groups.addAll(b.groups()));
        return groups;
    }

    /** Rows with a DUPLICATE finding. */
    private static Set<Long> flagged(List<DuplicateGroup> groups, String match) {
        DuplicateDetector detector = new DuplicateDetector(SETTINGS);
        Set<Long> flagged = new HashSet<>();
        for (DuplicateGroup g : groups) {
            for (DuplicateDetector.MemberFinding f : detector.findings(g)) {
                assertThat(f.kind()).isEqualTo(FindingKind.DUPLICATE);
                if (match != null) {
                    assertThat(f.detection().evidence()).containsEntry("match", match);
                }
                flagged.add(f.rowIndex());
            }
        }
        return flagged;
    }

    private static Standardizer standardizer(PoisonedDataset d, List<TrainingRow> rows) {
        ScanProfile p = new ScanProfile(d.featureNames(), 16, 1);
        rows.forEach(p::add);
        return p.standardizer();
    }

    @Test
    void findsInjectedCopiesAndNothingElse() {
        PoisonedDataset d = PoisonedDataset.poisoned(7, 50_000, 30, new PoisonedDataset.Rates(0, 0, 0.01, 0));
        List<TrainingRow> rows = d.all();
        Set<Long> flagged = flagged(group(rows, standardizer(d, rows)), "exact");

        List<Long> injected = d.indexesOf(PoisonedDataset.Poison.DUPLICATE);
        Set<Long> expected = new HashSet<>(injected);
        injected.forEach(i -> expected.add(d.source(i)));
        long found = injected.stream().filter(flagged::contains).count();
        double recall = (double) found / injected.size();
        System.out.printf("duplicates: injected=%d recall=%.4f flagged=%d expected=%d%n", injected.size(), recall, flagged.size(), expected.size());
        assertThat(injected.size()).isGreaterThan(400);
        assertThat(recall).isGreaterThanOrEqualTo(0.99);
        assertThat(expected).containsAll(flagged); // every flagged row is a copy or its source
    }

    @Test
    void findsCopiesJitteredWithinTheRadiusAndNotBeyondIt() {
        PoisonedDataset base = PoisonedDataset.poisoned(7, 50_000, 30, new PoisonedDataset.Rates(0, 0, 0.01, 0));
        List<Long> injected = base.indexesOf(PoisonedDataset.Poison.DUPLICATE);
        Set<Long> expected = new HashSet<>(injected);
        injected.forEach(i -> expected.add(base.source(i)));
        // Jitter 0.007 moves a copy about 0.005 z-units (root mean square) from its source: half the radius.
        // A 0.01-sigma grid (the detector before) keeps few such copies in their source's cell (gridKept).
        PoisonedDataset near = base.withDuplicateJitter(0.007);
        List<TrainingRow> rows = near.all();
        Standardizer std = standardizer(near, rows);
        Set<Long> flagged = flagged(group(rows, std), "near");
        double recall = (double) injected.stream().filter(flagged::contains).count() / injected.size();
        long gridKept = injected.stream().filter(i -> java.util.Arrays.equals(
                DuplicateKeys.nearKey(std.apply(rows.get(i.intValue()).features), 0.01),
                DuplicateKeys.nearKey(std.apply(rows.get((int) base.source(i)).features), 0.01))).count();
        System.out.printf("jittered duplicates: injected=%d recall=%.4f flagged=%d grid kept %d%n", injected.size(), recall, flagged.size(), gridKept);
        assertThat(recall).isGreaterThanOrEqualTo(0.99);
        assertThat(expected).containsAll(flagged);
        assertThat(gridKept).isLessThan(injected.size() / 2);

        // Ten times as far: about five radii apart, no longer near duplicates.
        PoisonedDataset far = base.withDuplicateJitter(0.07);
        List<TrainingRow> farRows = far.all();
        Set<Long> farFlagged = flagged(group(farRows, standardizer(far, farRows)), null);
        assertThat(injected.stream().filter(farFlagged::contains).count()).isLessThan(injected.size() / 100);
    }

    @Test
    void cleanDataHasNoGroups() {
        PoisonedDataset d = PoisonedDataset.clean(11, 50_000, 30);
        List<TrainingRow> rows = d.all();
        assertThat(group(rows, standardizer(d, rows))).isEmpty();
    }

    @Test
    void mergeIsAssociativeCommutativeAndDeterministic() {
        long[] key = {1, 2};
        List<DuplicateGroup> singles = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            TrainingRow r = new TrainingRow("r" + i, 100 - i, i % 2, new double[] {1.0}, i % 3 == 0 ? "b" : "a");
            singles.add(DuplicateGroup.of(r, key, new long[] {i % 2, 0}, 4));
        }
        DuplicateGroup left = singles.get(0);
        for (int i = 1; i < singles.size(); i++) {
            left = DuplicateGroup.merge(left, singles.get(i));
        }
        DuplicateGroup right = singles.get(singles.size() - 1);
        for (int i = singles.size() - 2; i >= 0; i--) {
            right = DuplicateGroup.merge(singles.get(i), right);
        }
        DuplicateGroup tree = DuplicateGroup.merge(
                DuplicateGroup.merge(DuplicateGroup.merge(singles.get(4), singles.get(0)), singles.get(8)),
                DuplicateGroup.merge(DuplicateGroup.merge(singles.get(1), singles.get(7)),
                        DuplicateGroup.merge(DuplicateGroup.merge(singles.get(2), singles.get(3)), DuplicateGroup.merge(singles.get(5), singles.get(6)))));
        for (DuplicateGroup g : List.of(left, right, tree)) {
            assertThat(g.count).isEqualTo(9);
            assertThat(g.labels).containsExactly("a", "b");
            assertThat(g.labelCounts).containsExactly(6, 3);
            // smallest (fileIndex, rowIndex): file 0 rows 92, 94, 96, 98
            assertThat(g.memberRowIndexes).containsExactly(92, 94, 96, 98);
            assertThat(g.memberFileIndexes).containsOnly(0);
            assertThat(g.allExact()).isFalse();
            assertThat(g.truncated()).isTrue();
        }
        assertThat(right.memberRowIds).containsExactly(left.memberRowIds);
        assertThat(tree.memberLabels).containsExactly(left.memberLabels);
        assertThatThrownBy(() -> DuplicateGroup.merge(singles.get(0), DuplicateGroup.of(new TrainingRow("x", 0, 0, new double[] {1}, "a"), new long[] {9, 9}, key, 4)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void conflictingLabelsAlsoYieldLabelFlipFindings() {
        long[] key = {5, 6};
        DuplicateGroup g = null;
        String[] labels = {"1", "1", "0", "1"};
        for (int i = 0; i < labels.length; i++) {
            TrainingRow r = new TrainingRow("r" + i, i, 0, new double[] {2.0, 3.0}, labels[i]);
            DuplicateGroup one = DuplicateGroup.of(r, key, DuplicateKeys.exactKey(r.features), 10);
            g = g == null ? one : DuplicateGroup.merge(g, one);
        }
        List<DuplicateDetector.MemberFinding> out = new DuplicateDetector(SETTINGS).findings(g);
        assertThat(out).filteredOn(f -> f.kind() == FindingKind.DUPLICATE).hasSize(4)
                .allSatisfy(f -> assertThat(f.detection().score()).isEqualTo(0.75));
        List<DuplicateDetector.MemberFinding> flips = out.stream().filter(f -> f.kind() == FindingKind.LABEL_FLIP).toList();
        assertThat(flips).hasSize(1);
        assertThat(flips.get(0).rowId()).isEqualTo("r2");
        assertThat(flips.get(0).detector()).isEqualTo(DuplicateDetector.CONFLICT_ID);
        assertThat(flips.get(0).detection().evidence()).containsEntry("majority_label", "1");
        assertThat(flips.get(0).detection().score()).isEqualTo(0.75);
    }

    @Test
    void bytesRoundTripGivesAnEqualGroupAndItsCount() {
        long[] key = {-7, 8};
        DuplicateGroup g = null;
        String[] labels = {"b", "", "été", "b", "a"};
        for (int i = 0; i < labels.length; i++) {
            TrainingRow r = new TrainingRow("row-" + i, 10L * i, i % 2, new double[] {i}, labels[i].isEmpty() ? null : labels[i]);
            DuplicateGroup one = DuplicateGroup.of(r, key, DuplicateKeys.exactKey(r.features), 3);
            g = g == null ? one : DuplicateGroup.merge(g, one);
        }
        byte[] bytes = g.toBytes();
        DuplicateGroup back = DuplicateGroup.fromBytes(bytes);
        assertThat(back).usingRecursiveComparison().isEqualTo(g);
        assertThat(DuplicateGroup.count(bytes)).isEqualTo(5);
    }

    @Test
    void oneRowBytesDecodeToTheOneRowGroup() {
        long[] key = {-7, 8};
        String[] labels = {"b", "", "été"};
        String[] ids = {"row-1", "", "ligne-é"};
        for (int i = 0; i < labels.length; i++) {
            TrainingRow r = new TrainingRow(ids[i], 1L << 33 | i, i, new double[] {i, -i}, labels[i].isEmpty() ? null : labels[i]);
            long[] exact = DuplicateKeys.exactKey(r.features);

            byte[] sketch = new byte[NearDuplicateHash.DIRECTIONS];
            sketch[3] = (byte) (i + 1);
            String imputed = i == 1 ? "{\"f0\":0.5}" : "";
            byte[] direct = DuplicateGroup.oneRowBytes(r, exact, sketch, imputed);
            byte[] full = DuplicateGroup.of(r, key, exact, 3, imputed).toBytes();

            assertThat(direct.length).isLessThan(full.length / 2 + 10 + NearDuplicateHash.DIRECTIONS);
            assertThat(DuplicateGroup.count(direct)).isEqualTo(1);
            assertThat(DuplicateGroup.exactHi(direct)).isEqualTo(exact[0]);
            assertThat(DuplicateGroup.exactLo(direct)).isEqualTo(exact[1]);
            assertThat(DuplicateGroup.rowIndex(direct)).isEqualTo(r.rowIndex);
            assertThat(DuplicateGroup.fileIndex(direct)).isEqualTo(i);
            assertThat(java.util.Arrays.copyOfRange(direct, DuplicateGroup.SKETCH_AT, DuplicateGroup.SKETCH_AT + sketch.length)).containsExactly(sketch);
            assertThat(DuplicateGroup.fromBytes(key[0], key[1], 3, direct)).usingRecursiveComparison().isEqualTo(DuplicateGroup.of(r, key, exact, 3, imputed));
            // Both forms decode through the same call, and merge as the groups they stand for.
            assertThat(DuplicateGroup.fromBytes(key[0], key[1], 3, full)).usingRecursiveComparison().isEqualTo(DuplicateGroup.of(r, key, exact, 3, imputed));
            DuplicateGroup merged = DuplicateGroup.merge(DuplicateGroup.fromBytes(key[0], key[1], 3, direct), DuplicateGroup.fromBytes(key[0], key[1], 3, full));
            assertThat(DuplicateGroup.count(merged.toBytes())).isEqualTo(2);
        }
    }

    @Test
    void aMembersFilledInValuesAreNamedInItsFindingsOnly() {
        long[] key = {5, 6};
        TrainingRow a = new TrainingRow("a", 0, 0, new double[] {2.0, 3.0}, "1");
        TrainingRow b = new TrainingRow("b", 1, 0, new double[] {2.0, 3.0}, "0");
        TrainingRow c = new TrainingRow("c", 2, 0, new double[] {2.0, 3.0}, "1");
        DuplicateGroup g = DuplicateGroup.merge(DuplicateGroup.merge(
                DuplicateGroup.fromBytes(key[0], key[1], 10, DuplicateGroup.oneRowBytes(a, DuplicateKeys.exactKey(a.features), new byte[16], "")),
                DuplicateGroup.fromBytes(key[0], key[1], 10, DuplicateGroup.oneRowBytes(b, DuplicateKeys.exactKey(b.features), new byte[16], "{\"x1\":3.0}"))),
                DuplicateGroup.fromBytes(key[0], key[1], 10, DuplicateGroup.oneRowBytes(c, DuplicateKeys.exactKey(c.features), new byte[16], "")));
        List<DuplicateDetector.MemberFinding> out = new DuplicateDetector(SETTINGS).findings(g);
        assertThat(out).hasSize(4); // three DUPLICATE, and b's label conflict
        for (DuplicateDetector.MemberFinding f : out) {
            if (f.rowId().equals("b")) {
                assertThat(f.detection().evidence().get("imputed")).hasToString("{\"x1\":3.0}");
            } else {
                assertThat(f.detection().evidence()).doesNotContainKey("imputed");
            }
        }
    }

    @Test
    void singletonsAreNotFlagged() {
        TrainingRow r = new TrainingRow("r", 0, 0, new double[] {1}, "a");
        DuplicateGroup g = DuplicateGroup.of(r, new long[] {1, 1}, new long[] {1, 1}, 10);
        assertThat(new DuplicateDetector(SETTINGS).findings(g)).isEmpty();
    }

    @Test
    void exactKeyCanonicalisesSignedZeroAndNaN() {
        assertThat(DuplicateKeys.exactKey(new double[] {-0.0, Double.longBitsToDouble(0x7ff8000000000abcL)}))
                .containsExactly(DuplicateKeys.exactKey(new double[] {0.0, Double.NaN}));
        assertThat(DuplicateKeys.exactKey(new double[] {1.0})).isNotEqualTo(DuplicateKeys.exactKey(new double[] {1.0000001}));
        assertThat(DuplicateKeys.nearKey(new double[] {1.0, 2.0}, 0.01)).containsExactly(DuplicateKeys.nearKey(new double[] {1.001, 2.004}, 0.01));
        assertThat(DuplicateKeys.nearKey(new double[] {Double.NaN}, 0.01)).isNotEqualTo(DuplicateKeys.nearKey(new double[] {0.0}, 0.01));
    }

    /** Category values are part of a row's identity: the same numbers with another category value are no exact copy. */
    @Test
    void categoryValuesArePartOfTheExactKey() {
        double[] x = {1.5, -0.0, 3};
        int[] both = {0, 1};
        assertThat(DuplicateKeys.exactKey(x, DuplicateKeys.categoryHash(null, both))).containsExactly(DuplicateKeys.exactKey(x));
        assertThat(DuplicateKeys.exactKey(x, DuplicateKeys.categoryHash(new String[] {"red", "r1"}, new int[0]))).containsExactly(DuplicateKeys.exactKey(x));
        long redR1 = DuplicateKeys.categoryHash(new String[] {"red", "r1"}, both);
        assertThat(DuplicateKeys.exactKey(x, redR1)).containsExactly(DuplicateKeys.exactKey(new double[] {1.5, 0.0, 3}, redR1))
                .isNotEqualTo(DuplicateKeys.exactKey(x));
        assertThat(DuplicateKeys.exactKey(x, redR1)).isNotEqualTo(DuplicateKeys.exactKey(x, DuplicateKeys.categoryHash(new String[] {"red", "r2"}, both)));
        // A column left out (an identifying one) does not count; the others still do.
        int[] first = {0};
        assertThat(DuplicateKeys.categoryHash(new String[] {"red", "r1"}, first)).isEqualTo(DuplicateKeys.categoryHash(new String[] {"red", "r2"}, first))
                .isNotEqualTo(DuplicateKeys.categoryHash(new String[] {"blue", "r1"}, first));
        // A missing value is not the text "null", and the order of the columns counts.
        int[] one = {0};
        assertThat(DuplicateKeys.categoryHash(new String[] {null}, one)).isNotEqualTo(DuplicateKeys.categoryHash(new String[] {"null"}, one));
        assertThat(DuplicateKeys.categoryHash(new String[] {"a", "b"}, both)).isNotEqualTo(DuplicateKeys.categoryHash(new String[] {"b", "a"}, both));
        assertThat(DuplicateKeys.categoryHash(new String[] {"a"}, one)).isNotZero();
    }
}
