package io.modelwarden.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CategoryCountsTest {

    @Test
    void countsEveryValueAndMissingOnes() {
        CategoryCounts c = new CategoryCounts(10);
        for (String v : new String[] {"b", "a", null, "b", "c", "a", "b", null}) {
            c.add(v);
        }
        assertThat(c.rows()).isEqualTo(6);
        assertThat(c.missing()).isEqualTo(2);
        assertThat(c.distinct()).isEqualTo(3);
        assertThat(c.count("b")).isEqualTo(3);
        assertThat(c.count("z")).isZero();
        assertThat(c.contains("c")).isTrue();
        assertThat(c.contains("z")).isFalse();
        // Most frequent first, ties in value order.
        assertThat(c.top(2)).containsExactly(java.util.Map.entry("b", 3L), java.util.Map.entry("a", 2L));
    }

    /** Values drawn from 40 categories, some tasks' parts merged in different orders: the same counts. */
    @Test
    void mergedPartsCountAsOneTaskDoes() {
        Random r = new Random(5);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            values.add(r.nextInt(20) == 0 ? null : "v" + r.nextInt(40));
        }
        CategoryCounts whole = new CategoryCounts(100);
        values.forEach(whole::add);
        for (int parts : new int[] {2, 3, 7}) {
            List<CategoryCounts> split = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                split.add(new CategoryCounts(100));
            }
            for (String v : values) {
                split.get(r.nextInt(parts)).add(v);
            }
            CategoryCounts merged = split.get(parts - 1);
            for (int p = parts - 2; p >= 0; p--) {
                merged.merge(split.get(p));
            }
            assertThat(merged.counts()).isEqualTo(whole.counts());
            assertThat(merged.rows()).isEqualTo(whole.rows());
            assertThat(merged.missing()).isEqualTo(whole.missing());
        }
    }

    /** One more distinct value than allowed makes the column free text, however the rows were split. */
    @Test
    void freeTextPastTheLimitWhateverTheSplit() {
        CategoryCounts exact = new CategoryCounts(1000);
        CategoryCounts over = new CategoryCounts(1000);
        CategoryCounts left = new CategoryCounts(1000);
        CategoryCounts right = new CategoryCounts(1000);
        for (int i = 0; i < 1001; i++) {
            if (i < 1000) {
                exact.add("v" + i);
            }
            over.add("v" + i);
            (i % 2 == 0 ? left : right).add("v" + i); // 501 and 500 distinct: each part within the limit
        }
        assertThat(exact.freeText()).isFalse();
        assertThat(exact.distinct()).isEqualTo(1000);
        assertThat(over.freeText()).isTrue();
        assertThat(over.distinct()).isEqualTo(-1);
        assertThat(over.rows()).isEqualTo(1001);
        assertThat(left.freeText()).isFalse();
        left.merge(right);
        assertThat(left.freeText()).isTrue();
        assertThat(left.rows()).isEqualTo(1001);
        // Free text contains every value (nothing to check it against) and counts none.
        assertThat(left.contains("anything")).isTrue();
        assertThat(left.counts()).isEmpty();
    }

    @Test
    void aLongValueIsFreeText() {
        CategoryCounts c = new CategoryCounts(1000);
        c.add("short");
        c.add("x".repeat(CategoryCounts.MAX_VALUE_CHARS));
        assertThat(c.freeText()).isFalse();
        c.add("x".repeat(CategoryCounts.MAX_VALUE_CHARS + 1));
        assertThat(c.freeText()).isTrue();
        assertThat(c.rows()).isEqualTo(3);
    }

    @Test
    void baselineCountsReadBackWithTheirLimit() {
        CategoryCounts c = CategoryCounts.of(java.util.Map.of("a", 5L, "b", 2L), 3, 10);
        assertThat(c.rows()).isEqualTo(7);
        assertThat(c.missing()).isEqualTo(3);
        assertThat(c.count("a")).isEqualTo(5);
        assertThat(CategoryCounts.of(java.util.Map.of("a", 5L, "b", 2L), 0, 1).freeText()).isTrue();
        assertThat(CategoryCounts.freeText(9, 1, 10).freeText()).isTrue();
    }

    /** Values that mostly differ from row to row identify rows (an id, a timestamp); free text does too. */
    @Test
    void mostlyDistinctValuesIdentifyRows() {
        CategoryCounts ids = new CategoryCounts(1000);
        CategoryCounts codes = new CategoryCounts(1000);
        CategoryCounts half = new CategoryCounts(1000);
        for (int i = 0; i < 600; i++) {
            ids.add("r-" + i);
            codes.add("c" + (i % 40));
            half.add("h" + (i % 300));
        }
        ids.add(null);
        assertThat(ids.freeText()).isFalse();
        assertThat(ids.identifying()).isTrue();
        assertThat(codes.identifying()).isFalse();
        assertThat(half.identifying()).as("exactly half distinct still groups rows in pairs").isFalse();
        half.add("h-new");
        assertThat(half.identifying()).isTrue();
        assertThat(CategoryCounts.freeText(10, 0, 1000).identifying()).isTrue();
        assertThat(new CategoryCounts(1000).identifying()).as("no value at all").isFalse();
    }
}
