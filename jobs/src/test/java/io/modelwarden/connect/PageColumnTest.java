package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;

/**
 * A page layout no current writer makes, built by hand: definition levels in the old BIT_PACKED
 * encoding (one bit per row, the first row in the highest bit). Files from today's writers are
 * checked against Parquet's own reader in ParquetSplitFormatTest.
 */
class PageColumnTest {
    @Test
    void readsBitPackedDefinitionLevels() throws Exception {
        // Ten rows, rows 1 and 8 null: levels 1011 1111, 01.. ....; then the eight values, little-endian.
        double[] present = {0.5, -2.25, 3.0, 1e-300, 7.75, Double.MAX_VALUE, -0.0, 42.0};
        ByteBuffer page = ByteBuffer.allocate(2 + 8 * present.length).order(ByteOrder.LITTLE_ENDIAN);
        page.put((byte) 0b1011_1111).put((byte) 0b0100_0000);
        for (double v : present) {
            page.putDouble(v);
        }
        DataPageV1 v1 = new DataPageV1(BytesInput.from(page.array()), 10, page.capacity(), null, Encoding.BIT_PACKED, Encoding.BIT_PACKED, Encoding.PLAIN);
        PrimitiveType type = Types.optional(PrimitiveType.PrimitiveTypeName.DOUBLE).named("x");
        PageColumn column = new PageColumn(new OnePage(v1), new ColumnDescriptor(new String[] {"x"}, type, 0, 1));

        RawRecord[] rows = new RawRecord[10];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new RawRecord();
            rows[i].values = new double[1];
        }
        column.fill(rows, 10, 0);
        int v = 0;
        for (int i = 0; i < rows.length; i++) {
            if (i == 1 || i == 8) {
                assertThat(rows[i].values[0]).isNaN();
                assertThat(rows[i].error).isEqualTo("missing value");
                assertThat(rows[i].errorDetail).isEqualTo("column x");
            } else {
                assertThat(Double.doubleToRawLongBits(rows[i].values[0])).isEqualTo(Double.doubleToRawLongBits(present[v++]));
                assertThat(rows[i].error).isNull();
            }
        }
    }

    /** A column chunk of one data page and no dictionary. */
    private record OnePage(DataPage page) implements PageReader {
        @Override
        public DictionaryPage readDictionaryPage() {
            return null;
        }

        @Override
        public long getTotalValueCount() {
            return page.getValueCount();
        }

        @Override
        public DataPage readPage() {
            return page;
        }
    }
}
