package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RingsTest {
    @Test
    void ringGrowsFourfoldFromInitialUpToItsCap() {
        assertThat(Rings.slots(0, 0, 500)).isEqualTo(32);
        assertThat(Rings.slots(32, 32, 500)).isEqualTo(128);
        assertThat(Rings.slots(128, 128, 500)).isEqualTo(500);
        assertThat(Rings.slots(32, 3, 500)).as("a slot that fits keeps the size").isEqualTo(32);
        assertThat(Rings.slots(0, 0, 3)).as("a cap below the initial size").isEqualTo(3);
        assertThat(Rings.slots(0, 0, 0)).isZero();
    }

    @Test
    void fitKeepsTheWrittenSlotsAndGrowsByWholeSlots() {
        byte[] a = new byte[0];
        for (int i = 0; i < 40; i++) {
            a = Rings.fit(a, i, 50, 3);
            a[i * 3] = (byte) (i + 1);
        }
        assertThat(a).hasSize(50 * 3);
        for (int i = 0; i < 40; i++) {
            assertThat(a[i * 3]).isEqualTo((byte) (i + 1));
        }
        long[] same = new long[16];
        assertThat(Rings.fit(same, 15, 16)).isSameAs(same);
    }

    @Test
    void restrideMovesEachBlockToItsNewOffset() {
        int[] a = {1, 2, 0, 3, 4, 0}; // two blocks of stride 3, two values written in each
        assertThat(Rings.restride(a, 2, 3, 5)).containsExactly(1, 2, 0, 0, 0, 3, 4, 0, 0, 0);
    }
}
