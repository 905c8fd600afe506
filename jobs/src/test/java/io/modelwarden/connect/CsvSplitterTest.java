package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.NumberInput;
import org.junit.jupiter.api.Test;

class CsvSplitterTest {
    private final CsvSplitter splitter = new CsvSplitter(',');

    @Test
    void splitsPlainAndQuotedFieldsAndUnquotesInPlace() {
        String[] out = new String[6];
        int n = splitter.split("a,\"b,c\",\"say \"\"hi\"\"\",,\"x\"junk,last\r", out);
        assertThat(n).isEqualTo(6);
        assertThat(out).containsExactly("a", "b,c", "say \"hi\"", "", "x", "last");
    }

    @Test
    void countsExtraFieldsAndReportsAnUnclosedQuote() {
        String[] out = new String[2];
        assertThat(splitter.split("1,2,3,4", out)).isEqualTo(4);
        assertThat(out).containsExactly("1", "2");
        assertThat(splitter.split("1,\"2,3", new String[3])).isEqualTo(-1);
        assertThat(splitter.split("", new String[1])).isEqualTo(1);
    }

    /** RowParser parses cells straight from the line's characters; they must read as Double.parseDouble reads their text. */
    @Test
    void cellRangesParseAsDoubleParseDoubleParsesTheirText() {
        String line = " 1.5 ,-0,1e-320,0.1000000000000000055511151231257827,\"2.5e3\",NaN,-Infinity,0x1.8p1,7d,"
                + "4.9e-324,1.7976931348623157e308,123456789012345678901234567890,\t42\t";
        char[] chars = line.toCharArray();
        int[] from = new int[20];
        int[] to = new int[20];
        int n = splitter.split(chars, chars.length, from, to);
        String[] cells = new String[20];
        assertThat(new CsvSplitter(',').split(line, cells)).isEqualTo(n).isEqualTo(13);
        for (int c = 0; c < n; c++) {
            double fast = NumberInput.parseDouble(chars, from[c], to[c] - from[c], true);
            assertThat(Double.doubleToRawLongBits(fast)).as(cells[c]).isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(cells[c])));
        }
    }
}
