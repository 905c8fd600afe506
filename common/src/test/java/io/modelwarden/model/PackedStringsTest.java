package io.modelwarden.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PackedStringsTest {
    @Test
    void unpacksWhatWasPackedNullsEmptiesAndNonAsciiIncluded() {
        String[] values = {"a", null, "", "r\u00e9sum\u00e9-\u20ac-\uD83D\uDE00", null, "0123456789".repeat(50)};
        assertThat(PackedStrings.unpack(PackedStrings.pack(values))).containsExactly(values);
        assertThat(PackedStrings.unpack(PackedStrings.pack(new String[0]))).isEmpty();
    }
}
