package io.modelwarden.connect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.schema.PrimitiveType;

/**
 * One flat numeric feature column of a row group, decoded a page at a time straight from its pages:
 * plain values in bulk from a little-endian buffer, dictionary pages through their indices. Parquet's
 * own column reader hands out one value per call and copies each through a stream, about half the
 * cost of reading a Parquet scan's rows; this decodes the common layouts of DOUBLE, FLOAT, INT32 and
 * INT64 columns (what pandas, pyarrow, Spark and parquet-mr write by default) and leaves every other
 * column to that reader ({@link #supports}). Values are the reader's, converted by {@link ParquetValues}.
 */
final class PageColumn {
    /** The encodings of a chunk this decodes: plain or dictionary values, RLE or (the old) BIT_PACKED levels. */
    private static final Set<Encoding> ENCODINGS = EnumSet.of(Encoding.PLAIN, Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY, Encoding.RLE, Encoding.BIT_PACKED);

    private final PageReader pages;
    private final String name;
    private final PrimitiveType.PrimitiveTypeName type;
    private final int maxDefinition;
    private final boolean unsigned;
    private final int scale;
    /** The dictionary's values, converted; null without a dictionary page. */
    private final double[] dictionary;
    /** The current page: its rows' values (NaN where null), which rows are null, how many rows, the next one. */
    private double[] values = new double[0];
    private boolean[] nulls = new boolean[0];
    private int rows;
    private int next;

    /**
     * Whether a chunk can be read here: flat (no repetition, at most one definition level), DOUBLE,
     * FLOAT, INT32 or INT64, and only plain or dictionary values (BIT_PACKED is a level encoding; writers
     * list it for the repetition levels a flat column does not have).
     */
    static boolean supports(ColumnDescriptor d, ColumnChunkMetaData chunk) {
        if (d.getMaxRepetitionLevel() != 0 || d.getMaxDefinitionLevel() > 1) {
            return false;
        }
        switch (d.getPrimitiveType().getPrimitiveTypeName()) {
            case DOUBLE, FLOAT, INT32, INT64 -> { }
            default -> {
                return false;
            }
        }
        return ENCODINGS.containsAll(chunk.getEncodings());
    }

    PageColumn(PageReader pages, ColumnDescriptor d) throws IOException {
        this.pages = pages;
        this.name = String.join(".", d.getPath());
        this.type = d.getPrimitiveType().getPrimitiveTypeName();
        this.maxDefinition = d.getMaxDefinitionLevel();
        this.unsigned = ParquetValues.unsigned(d.getPrimitiveType());
        this.scale = ParquetValues.decimalScale(d.getPrimitiveType());
        DictionaryPage dict = pages.readDictionaryPage();
        if (dict == null) {
            dictionary = null;
        } else {
            if (dict.getEncoding() != Encoding.PLAIN && dict.getEncoding() != Encoding.PLAIN_DICTIONARY) {
                throw new IOException("column " + name + ": dictionary page encoded as " + dict.getEncoding());
            }
            ByteBuffer b = littleEndian(dict.getBytes().toByteBuffer());
            dictionary = new double[dict.getDictionarySize()];
            for (int i = 0; i < dictionary.length; i++) {
                dictionary[i] = plain(b);
            }
        }
    }

    /** Column k of the next {@code count} records; a null is NaN and, if the row has no error yet, a missing value. */
    void fill(RawRecord[] batch, int count, int k) throws IOException {
        for (int i = 0; i < count; i++) {
            if (next == rows) {
                decode(nextPage());
            }
            RawRecord r = batch[i];
            if (nulls[next]) {
                r.values[k] = Double.NaN;
                if (r.error == null) {
                    r.error = RowParser.MISSING_VALUE;
                    r.errorDetail = "column " + name;
                }
            } else {
                r.values[k] = values[next];
            }
            next++;
        }
    }

    /** Skips the next n rows: whole pages without decoding their values. */
    void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (next == rows) {
                // A page wholly inside the skipped rows is dropped undecoded.
                DataPage page = nextPage();
                if (page.getValueCount() <= left) {
                    left -= page.getValueCount();
                    continue;
                }
                decode(page);
            }
            int step = (int) Math.min(left, rows - next);
            next += step;
            left -= step;
        }
    }

    private DataPage nextPage() throws IOException {
        DataPage page = pages.readPage();
        if (page == null) {
            throw new IOException("column " + name + " ends before its row group does");
        }
        return page;
    }

    private void decode(DataPage page) throws IOException {
        int n = page.getValueCount(); // a flat column: one value, or null, per row
        if (values.length < n) {
            values = new double[n];
            nulls = new boolean[n];
        }
        ByteBuffer data;
        Encoding encoding;
        if (page instanceof DataPageV1 v1) {
            ByteBuffer all = littleEndian(v1.getBytes().toByteBuffer());
            if (maxDefinition > 0 && v1.getDlEncoding() == Encoding.BIT_PACKED) {
                // The old encoding: one bit per row, the first row in the highest bit, no length prefix.
                for (int i = 0; i < n; i++) {
                    nulls[i] = ((all.get(all.position() + (i >>> 3)) >>> (7 - (i & 7))) & 1) == 0;
                }
                all.position(all.position() + (n + 7) / 8);
            } else if (maxDefinition > 0) {
                if (v1.getDlEncoding() != Encoding.RLE) {
                    throw new IOException("column " + name + ": definition levels encoded as " + v1.getDlEncoding());
                }
                int length = all.getInt();
                ByteBuffer levels = all.slice();
                levels.limit(length);
                definitionLevels(levels, n);
                all.position(all.position() + length);
            } else {
                java.util.Arrays.fill(nulls, 0, n, false);
            }
            data = littleEndian(all.slice());
            encoding = v1.getValueEncoding();
        } else if (page instanceof DataPageV2 v2) {
            if (maxDefinition > 0) {
                definitionLevels(v2.getDefinitionLevels().toByteBuffer(), n);
            } else {
                java.util.Arrays.fill(nulls, 0, n, false);
            }
            data = littleEndian(v2.getData().toByteBuffer());
            encoding = v2.getDataEncoding();
        } else {
            throw new IOException("column " + name + ": a page of an unknown kind " + page.getClass().getSimpleName());
        }
        switch (encoding) {
            case PLAIN -> {
                for (int i = 0; i < n; i++) {
                    values[i] = nulls[i] ? Double.NaN : plain(data);
                }
            }
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
                if (dictionary == null) {
                    throw new IOException("column " + name + ": a dictionary-encoded page without a dictionary");
                }
                int width = data.get() & 0xFF;
                RunLengthBitPackingHybridDecoder indices = new RunLengthBitPackingHybridDecoder(width, new ByteBufferInputStream(data));
                for (int i = 0; i < n; i++) {
                    values[i] = nulls[i] ? Double.NaN : dictionary[indices.readInt()];
                }
            }
            default -> throw new IOException("column " + name + ": values encoded as " + encoding);
        }
        rows = n;
        next = 0;
    }

    private void definitionLevels(ByteBuffer levels, int n) throws IOException {
        RunLengthBitPackingHybridDecoder d = new RunLengthBitPackingHybridDecoder(1, new ByteBufferInputStream(levels));
        for (int i = 0; i < n; i++) {
            nulls[i] = d.readInt() < maxDefinition;
        }
    }

    /** The next plain value of the buffer, converted as the column's logical type says. */
    private double plain(ByteBuffer b) {
        return switch (type) {
            case DOUBLE -> b.getDouble();
            case FLOAT -> b.getFloat();
            case INT32 -> ParquetValues.integer(unsigned ? Integer.toUnsignedLong(b.getInt()) : b.getInt(), false, scale);
            case INT64 -> ParquetValues.integer(b.getLong(), unsigned, scale);
            default -> throw new IllegalStateException("not a column this decodes: " + type);
        };
    }

    private static ByteBuffer littleEndian(ByteBuffer b) {
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
