package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.CategoryCounts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

/** The checks of category columns against a baseline: drift, new values (dataset and rows), cardinality. */
class CategoryChecksTest {
    private static final DriftDetector DRIFT = new DriftDetector(DriftSettings.defaults());
    private static final SchemaDetector SCHEMA = new SchemaDetector(SchemaSettings.defaults());

    /** n values of a Zipf(1) distribution over k categories "c0".."c{k-1}", seeded. */
    static CategoryCounts zipf(int n, int k, long seed) {
        double[] cdf = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += 1.0 / (i + 1);
            cdf[i] = sum;
        }
        Random r = new Random(seed);
        CategoryCounts c = new CategoryCounts(1000);
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble() * sum;
            int j = java.util.Arrays.binarySearch(cdf, u);
            c.add("c" + (j < 0 ? -j - 1 : j));
        }
        return c;
    }

    /** Dataset statistics with one numeric feature (no drift) and the given category columns. */
    private static DatasetStats stats(Map<String, CategoryCounts> categories) {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 1000; i++) {
            s.update(i);
        }
        return new DatasetStats(new String[] {"f0"}, 1000, new long[] {1000}, new double[] {500}, new double[] {290}, new KllDoublesSketch[] {s},
                Map.of(), categories);
    }

    private static DriftDetector.CategoryDrift compare(CategoryCounts base, CategoryCounts cur) {
        DriftDetector.Report r = DRIFT.compare(stats(Map.of("col", base)), stats(Map.of("col", cur)));
        assertThat(r.categories()).hasSize(1);
        return r.categories().get(0);
    }

    /**
     * Two draws of the same distribution: from 2,000 to 100,000 rows and 5 to 500 categories, ten
     * pairs each, the debiased distance stays under its threshold in every pair (so no verdict rests on
     * the p-value alone), while the plain distance over every value lies far above it with few rows
     * over many values. At 300 rows the debiased distance is noisy too and the test decides: at most
     * its alpha of the pairs may drift.
     */
    @Test
    void drawsOfOneDistributionDoNotDrift() {
        double threshold = DriftSettings.defaults().categoryJsThreshold();
        long seed = 1;
        for (int n : new int[] {2_000, 20_000, 100_000}) {
            for (int k : new int[] {5, 50, 500}) {
                double worst = 0;
                double plain = 0;
                for (int i = 0; i < 10; i++) {
                    CategoryCounts a = zipf(n, k, seed++);
                    CategoryCounts b = zipf(n, k, seed++);
                    DriftDetector.CategoryDrift d = compare(a, b);
                    assertThat(d.hasVerdict()).isTrue();
                    assertThat(d.drifted()).as("n=%d k=%d: %s", n, k, d.reason()).isFalse();
                    worst = Math.max(worst, d.jsDistance());
                    plain = Math.max(plain, DriftDetector.jsDistance(a.counts(), b.counts(), null, null));
                }
                System.out.printf("n=%,d k=%d: largest debiased js %.4f, plain js %.4f (10 pairs)%n", n, k, worst, plain);
                assertThat(worst).as("n=%d k=%d", n, k).isLessThan(threshold);
            }
        }
        int drifted = 0;
        for (int i = 0; i < 40; i++) {
            drifted += compare(zipf(300, 500, 1000 + 2 * i), zipf(300, 500, 1001 + 2 * i)).drifted() ? 1 : 0;
        }
        System.out.printf("n=300 k=500: %d of 40 pairs drifted%n", drifted);
        assertThat(drifted).isLessThanOrEqualTo(4);
    }

    /** A tenth of the rows moved from the most frequent value to a rare one drifts, and the evidence names both values first. */
    @Test
    void movedMassDrifts() {
        CategoryCounts base = zipf(20_000, 20, 3);
        CategoryCounts cur = new CategoryCounts(1000);
        Map<String, Long> counts = zipf(20_000, 20, 4).counts();
        long moved = 2_000;
        counts.merge("c0", -moved, Long::sum);
        counts.merge("c19", moved, Long::sum);
        counts.forEach((v, n) -> {
            for (long i = 0; i < n; i++) {
                cur.add(v);
            }
        });
        DriftDetector.Report r = DRIFT.compare(stats(Map.of("col", base)), stats(Map.of("col", cur)));
        DriftDetector.CategoryDrift d = r.categories().get(0);
        assertThat(d.drifted()).as(d.reason()).isTrue();
        // The column's finding, and the dataset's: one of the two columns with a verdict drifted, the default dataset-share.
        assertThat(r.detections()).extracting(DatasetDetection::subject).containsExactly("col", DriftDetector.DATASET_SUBJECT);
        DatasetDetection finding = r.detections().get(0);
        assertThat(finding.kind()).isEqualTo(FindingKind.DRIFT);
        assertThat(finding.subject()).isEqualTo("col");
        assertThat(finding.detection().score()).isGreaterThan(0.5);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> shifts = (List<Map<String, Object>>) finding.detection().evidence().get("largest_shifts");
        assertThat(shifts.subList(0, 2)).extracting(m -> m.get("value")).containsExactlyInAnyOrder("c0", "c19");
        assertThat(r.driftedShare()).isEqualTo(0.5);
        assertThat(finding.detection().evidence()).containsEntry("column", "col");
    }

    /** At a million rows a 1% move is significant but small: the effect size, not the p-value, decides. */
    @Test
    void aSignificantButSmallMoveIsNoDrift() {
        Map<String, Long> base = new LinkedHashMap<>(Map.of("a", 500_000L, "b", 300_000L, "c", 200_000L));
        Map<String, Long> cur = new LinkedHashMap<>(Map.of("a", 490_000L, "b", 310_000L, "c", 200_000L));
        DriftDetector.CategoryDrift d = compare(CategoryCounts.of(base, 0, 1000), CategoryCounts.of(cur, 0, 1000));
        assertThat(d.chiSquareP()).isLessThan(1e-6);
        assertThat(d.jsDistance()).isLessThan(0.1);
        assertThat(d.drifted()).isFalse();
    }

    @Test
    void freeTextAndSmallColumnsGetNoVerdict() {
        assertThat(compare(CategoryCounts.freeText(5_000, 0, 1000), zipf(5_000, 5, 1)).hasVerdict()).isFalse();
        assertThat(compare(zipf(50, 5, 1), zipf(5_000, 5, 2)).hasVerdict()).isFalse();
    }

    @Test
    void newValuesAreASchemaFindingListingThem() {
        CategoryCounts base = zipf(10_000, 30, 5);
        CategoryCounts cur = zipf(10_000, 30, 6);
        for (int i = 0; i < 40; i++) {
            cur.add("injected");
        }
        for (int i = 0; i < 3; i++) {
            cur.add("typo");
        }
        List<DatasetDetection> out = SCHEMA.categories(Map.of("col", base), Map.of("col", cur, "other", zipf(100, 3, 1)));
        assertThat(out).extracting(DatasetDetection::subject).containsExactly("new_categories:col");
        Map<String, Object> ev = out.get(0).detection().evidence();
        assertThat(ev.get("new_values")).isEqualTo(new LinkedHashMap<>(Map.of("injected", 40L, "typo", 3L)));
        assertThat(((Map<String, Object>) ev.get("new_values")).keySet()).containsExactly("injected", "typo");
        assertThat(ev.get("rows")).isEqualTo(43L);
        // 40 rows of a value 10,000 baseline rows never had are improbable (expected at most 3); 3 rows are not.
        assertThat(ev.get("improbable_values")).isEqualTo(Map.of("injected", 40L));
        assertThat(ev.get("baseline_distinct")).isEqualTo(30);
        // The same values again: nothing new.
        assertThat(SCHEMA.categories(Map.of("col", base), Map.of("col", zipf(10_000, 30, 7)))).isEmpty();
    }

    /**
     * A long tail: 900 Zipf values over 20,000 rows leave many rare values out of any one draw, so a
     * second draw brings values the first never had (11 on 47 rows, at most 9 rows each). That is no
     * finding and flags no row (before the rule-of-three test every such row was flagged); 20 rows
     * stamped with one new value (0.1% of the rows, the backdoor detector's smallest support; 10 rows
     * would not be: P(Poisson(3) >= 10) = 0.0011) are.
     */
    @Test
    void aLongTailsNewValuesAreNoFinding() {
        CategoryCounts base = zipf(20_000, 900, 11);
        CategoryCounts cur = zipf(20_000, 900, 12);
        Map<String, CategoryDomainDetector.NewValue> verdicts = CategoryDomainDetector.classify(base, cur, SchemaSettings.defaults());
        long tailRows = verdicts.keySet().stream().mapToLong(cur::count).sum();
        System.out.printf("long tail: %d new values on %d rows, largest count %d%n", verdicts.size(), tailRows,
                verdicts.keySet().stream().mapToLong(cur::count).max().orElse(0));
        assertThat(verdicts).hasSizeGreaterThanOrEqualTo(5).allSatisfy((v, n) -> assertThat(n).isEqualTo(CategoryDomainDetector.NewValue.TAIL));
        assertThat(SCHEMA.categories(Map.of("col", base), Map.of("col", cur))).isEmpty();
        CategoryDomainDetector d = CategoryDomainDetector.of(new String[] {"col"}, Map.of("col", base), Map.of("col", cur), SchemaSettings.defaults());
        for (String v : verdicts.keySet()) {
            TrainingRow row = new TrainingRow("r", 0, 0, new double[0], null, new String[] {v});
            assertThat(d.score(row, new double[0])).isZero();
        }
        for (int i = 0; i < 20; i++) {
            cur.add("stamped");
        }
        assertThat(CategoryDomainDetector.classify(base, cur, SchemaSettings.defaults())).containsEntry("stamped", CategoryDomainDetector.NewValue.IMPROBABLE);
        assertThat(SCHEMA.categories(Map.of("col", base), Map.of("col", cur))).singleElement()
                .satisfies(f -> assertThat(f.detection().evidence().get("improbable_values")).isEqualTo(Map.of("stamped", 20L)));
    }

    @Test
    void categoriesBecomingFreeTextIsACardinalityFinding() {
        CategoryCounts cur = new CategoryCounts(100);
        for (int i = 0; i < 500; i++) {
            cur.add("user-" + i);
        }
        List<DatasetDetection> out = SCHEMA.categories(Map.of("col", zipf(1_000, 10, 1)), Map.of("col", cur));
        assertThat(out).extracting(DatasetDetection::subject).containsExactly("category_cardinality:col");
        // A column the baseline had as free text has no domain to break.
        assertThat(SCHEMA.categories(Map.of("col", CategoryCounts.freeText(10, 0, 100)), Map.of("col", cur))).isEmpty();
    }

    /**
     * Rows carrying a rare new value are flagged, every one of them, and no other row: not a row
     * with a value the baseline had, a missing one, nor a new value too common to be injected rows.
     */
    @Test
    void domainFlagsTheRowsOfRareNewValues() {
        Random r = new Random(9);
        CategoryCounts base = zipf(20_000, 20, 8);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            String colour = "c" + r.nextInt(20);
            String batch = "batch-7"; // a new batch stamp on every row: a change of the data, no row's fault
            if (i % 200 == 0) {
                colour = "trigger"; // 0.5% of rows
            } else if (i % 97 == 0) {
                colour = null;
            }
            rows.add(new String[] {colour, batch, "x" + r.nextInt(3)});
        }
        CategoryCounts colours = new CategoryCounts(1000);
        CategoryCounts batches = new CategoryCounts(1000);
        CategoryCounts unchecked = new CategoryCounts(1000);
        for (String[] v : rows) {
            colours.add(v[0]);
            batches.add(v[1]);
            unchecked.add(v[2]);
        }
        Map<String, CategoryCounts> baseline = Map.of("colour", base, "batch", CategoryCounts.of(Map.of("batch-6", 20_000L), 0, 1000));
        CategoryDomainDetector d = CategoryDomainDetector.of(new String[] {"colour", "batch", "new_column"}, baseline,
                Map.of("colour", colours, "batch", batches, "new_column", unchecked), SchemaSettings.defaults());
        assertThat(d.checkedColumns()).containsExactly("batch", "colour");
        int flagged = 0;
        for (int i = 0; i < rows.size(); i++) {
            TrainingRow row = new TrainingRow("r" + i, i, 0, new double[0], null, rows.get(i));
            double score = d.score(row, new double[0]);
            boolean injected = "trigger".equals(rows.get(i)[0]);
            assertThat(score >= d.threshold()).as("row %d %s", i, java.util.Arrays.toString(rows.get(i))).isEqualTo(injected);
            if (injected) {
                flagged++;
                Detection e = d.explain(row, new double[0], score);
                assertThat(e.evidence().toString()).contains("column=colour", "value=trigger", "baseline_distinct=20");
            }
        }
        assertThat(flagged).isEqualTo(100);
        assertThat(d.parameters().get("new_values_not_flagged")).isEqualTo(Map.of("batch", List.of("batch-7")));
        // A dataset without category values (no column) scores 0.
        assertThat(d.score(new TrainingRow("x", 0, 0, new double[0], null), new double[0])).isZero();
    }

    @Test
    void noCheckableColumnNoDetector() {
        SchemaSettings s = SchemaSettings.defaults();
        assertThat(CategoryDomainDetector.of(new String[] {"a"}, Map.of(), Map.of("a", zipf(100, 3, 1)), s)).isNull();
        assertThat(CategoryDomainDetector.of(new String[] {"a"}, Map.of("a", CategoryCounts.freeText(5, 0, 10)), Map.of("a", zipf(100, 3, 1)), s))
                .isNull();
    }
}
