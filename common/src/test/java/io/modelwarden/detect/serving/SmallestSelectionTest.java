package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SmallestSelectionTest {
    @Test
    void theSumIsThatOfTheKSmallestOfAFullSort() {
        SplittableRandom r = new SplittableRandom(11);
        SmallestSelection select = new SmallestSelection(8);
        for (int trial = 0; trial < 2_000; trial++) {
            int n = 1 + r.nextInt(600);
            int k = 1 + r.nextInt(n);
            int range = switch (trial % 4) {
                case 0 -> 1; // all zero
                case 1 -> 5; // few distinct values: ties across the k-th
                case 2 -> 20_000; // squared code distances at d = 8
                default -> 2_000_000; // and at d = 30
            };
            int[] values = new int[n];
            for (int i = 0; i < n; i++) {
                values[i] = r.nextInt(range);
            }
            int[] before = values.clone();
            int[] sorted = values.clone();
            Arrays.sort(sorted);
            double expected = 0;
            for (int i = 0; i < k; i++) {
                expected += Math.sqrt(sorted[i]);
            }
            assertThat(select.sumSqrtOfSmallest(values, n, k)).as("n=%d k=%d range=%d", n, k, range).isCloseTo(expected, within(1e-9 * (1 + expected)));
            assertThat(values).isEqualTo(before);
        }
    }

    @Test
    void kMustBeWithinTheValues() {
        SmallestSelection select = new SmallestSelection(4);
        assertThatThrownBy(() -> select.sumSqrtOfSmallest(new int[] {1, 2}, 2, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> select.sumSqrtOfSmallest(new int[] {1, 2}, 2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
