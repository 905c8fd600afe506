package io.modelwarden.connect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads the splits of {@link ParquetSplits} in parallel (runs of row groups, or slices of one), column
 * by column: only the scan's columns
 * (label, id, features) are read, and their values go straight from Parquet's column readers into
 * {@link RawRecord}s (no Avro records in between: they were half the cost of reading). Feature columns
 * are the numeric primitive types (INT32, INT64, FLOAT, DOUBLE, BOOLEAN as 1 or 0) and decimals stored
 * as bytes, each read by its logical type ({@link ParquetValues}: a decimal over 10^scale, unsigned
 * integers unsigned); a null is a "missing value" and the row is rejected downstream. Labels and ids
 * of any flat type become text (binary as UTF-8, decimals as decimal text). Columns are found by name in each file, so files may order them differently; a
 * column a file lacks, or holds as a group or a repeated field, is null in all its rows.
 */
public final class ParquetSplitFormat extends FixedSplitFormat<ParquetSplits.Split> {
    private static final long serialVersionUID = 1L;
    static final int BATCH = 1024;

    private final String[] featureNames;
    private final String label;
    private final String id;
    private final String[] categoryNames;
    /** Feature columns decoded from their pages where {@link PageColumn} can (false: all through Parquet's column readers). */
    private final boolean decodePages;

    /** @param label the label column, or null; @param id the id column, or null */
    public ParquetSplitFormat(ParquetSplits splits, String[] featureNames, String label, String id) {
        this(splits, featureNames, label, id, new String[0], true);
    }

    /** @param categoryNames the category columns, read as text */
    public ParquetSplitFormat(ParquetSplits splits, String[] featureNames, String label, String id, String[] categoryNames) {
        this(splits, featureNames, label, id, categoryNames, true);
    }

    ParquetSplitFormat(ParquetSplits splits, String[] featureNames, String label, String id, String[] categoryNames, boolean decodePages) {
        super(splits.splits());
        this.featureNames = featureNames.clone();
        this.label = label;
        this.id = id;
        this.categoryNames = categoryNames.clone();
        this.decodePages = decodePages;
    }

    @Override
    Reader<RawRecord> open(ParquetSplits.Split s, FileSourceSplit split) throws IOException {
        return new RowGroupReader(s, featureNames, label, id, categoryNames, decodePages);
    }

    /** The rows of one split's row groups, group after group (or of its slice of one group). */
    static final class RowGroupReader implements Reader<RawRecord> {
        private final ParquetFileReader file;
        private final String path;
        private final int fileIndex;
        private final String[] featureNames;
        /** Per feature, then label, then id, then category: the column's name, and in the current group its reader (null when absent). */
        private final List<String> names;
        private final int categories;
        private final MessageType requested;
        private final String createdBy;
        private final List<BlockMetaData> groups;
        /** The next row group to read, the position of its first row, and the end of the split's groups. */
        private int nextGroup;
        private long nextGroupFirstRow;
        private final int endGroup;
        private final int slice;
        private final int slices;
        private final ColumnReader[] columns;
        /** Per feature, in the current group: its page decoder where it has one (its column reader is then null). */
        private final PageColumn[] pageColumns;
        private final boolean decodePages;
        private final int[] maxDefinition;
        private final PrimitiveType.PrimitiveTypeName[] types;
        /** Per column of the current group: its decimal scale (-1: no decimal) and whether it is an unsigned integer. */
        private final int[] scales;
        private final boolean[] unsigned;
        /** The current group: the row after the last one to read, how many are read (skipped ones included), the next one's position. */
        private long rows;
        private long read;
        private long position;

        RowGroupReader(ParquetSplits.Split s, String[] featureNames, String label, String id, String[] categoryNames, boolean decodePages) throws IOException {
            this.path = s.path();
            this.decodePages = decodePages;
            this.fileIndex = s.fileIndex();
            this.featureNames = featureNames;
            this.categories = categoryNames.length;
            this.slice = s.slice();
            this.slices = s.slices();
            this.file = new ParquetFileReader(new FlinkInputFile(new Path(s.path())), ParquetReadOptions.builder().build());
            try {
                MessageType schema = file.getFooter().getFileMetaData().getSchema();
                names = new ArrayList<>(List.of(featureNames));
                names.add(label);
                names.add(id);
                names.addAll(List.of(categoryNames));
                // Only columns of one value per row: absent, a group or a list in this file, a column has
                // no value in any row.
                List<Type> wanted = new ArrayList<>();
                for (String name : names) {
                    if (name != null && schema.containsField(name) && !containsName(wanted, name)) {
                        Type t = schema.getType(name);
                        if (t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)) {
                            wanted.add(t);
                        }
                    }
                }
                requested = new MessageType(schema.getName(), wanted);
                file.setRequestedSchema(requested);
                createdBy = file.getFooter().getFileMetaData().getCreatedBy();
                groups = file.getFooter().getBlocks();
                endGroup = s.firstGroup() + s.groups();
                if (endGroup > groups.size()) {
                    throw new IOException(path + " has " + groups.size() + " row groups, fewer than when the scan started: was it rewritten?");
                }
                nextGroup = s.firstGroup();
                for (int g = 0; g < nextGroup; g++) {
                    nextGroupFirstRow += groups.get(g).getRowCount();
                }
                columns = new ColumnReader[names.size()];
                pageColumns = new PageColumn[featureNames.length];
                maxDefinition = new int[names.size()];
                types = new PrimitiveType.PrimitiveTypeName[names.size()];
                scales = new int[names.size()];
                unsigned = new boolean[names.size()];
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }

        private static boolean containsName(List<Type> types, String name) {
            for (Type t : types) {
                if (t.getName().equals(name)) {
                    return true;
                }
            }
            return false;
        }

        /** Moves to the split's next row group (to its slice's first row); false when there is none. */
        private boolean nextGroupInRange() throws IOException {
            if (nextGroup >= endGroup) {
                return false;
            }
            BlockMetaData b = groups.get(nextGroup);
            long first = nextGroupFirstRow;
            PageReadStore pages = file.readRowGroup(nextGroup);
            if (pages == null || pages.getRowCount() != b.getRowCount()) {
                throw new IOException("row group " + nextGroup + " of " + path + " is not the one its footer described");
            }
            nextGroup++;
            nextGroupFirstRow += b.getRowCount();
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new IgnoredValues(requested.getFieldCount()), requested, createdBy);
            java.util.Map<String, ColumnChunkMetaData> chunks = new HashMap<>();
            for (ColumnChunkMetaData chunk : b.getColumns()) {
                chunks.put(chunk.getPath().toDotString(), chunk);
            }
            for (int c = 0; c < names.size(); c++) {
                String name = names.get(c);
                columns[c] = null;
                if (c < pageColumns.length) {
                    pageColumns[c] = null;
                }
                if (name == null || !requested.containsField(name)) {
                    continue;
                }
                ColumnDescriptor d = requested.getColumnDescription(new String[] {name});
                ColumnChunkMetaData chunk = chunks.get(name);
                if (decodePages && c < pageColumns.length && chunk != null && PageColumn.supports(d, chunk)) {
                    pageColumns[c] = new PageColumn(pages.getPageReader(d), d);
                    continue;
                }
                columns[c] = store.getColumnReader(d);
                maxDefinition[c] = d.getMaxDefinitionLevel();
                types[c] = d.getPrimitiveType().getPrimitiveTypeName();
                scales[c] = ParquetValues.decimalScale(d.getPrimitiveType());
                unsigned[c] = ParquetValues.unsigned(d.getPrimitiveType());
            }
            long from = b.getRowCount() * slice / slices;
            rows = b.getRowCount() * (slice + 1) / slices;
            skip(from);
            read = from;
            position = first + from;
            return true;
        }

        /** Skips the current group's first n rows in every column: their pages are decoded, their values never converted. */
        private void skip(long n) throws IOException {
            for (PageColumn p : pageColumns) {
                if (p != null) {
                    p.skip(n);
                }
            }
            for (int c = 0; c < columns.length; c++) {
                ColumnReader col = columns[c];
                if (col == null) {
                    continue;
                }
                for (long r = 0; r < n; r++) {
                    if (col.getCurrentDefinitionLevel() >= maxDefinition[c]) {
                        col.skip(); // a null has no value to skip
                    }
                    col.consume();
                }
            }
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            while (read >= rows) {
                if (!nextGroupInRange()) {
                    return null;
                }
            }
            int count = (int) Math.min(BATCH, rows - read);
            RawRecord[] batch = new RawRecord[count];
            int d = featureNames.length;
            for (int i = 0; i < count; i++) {
                RawRecord r = new RawRecord();
                r.fileIndex = fileIndex;
                r.rowIndex = position++;
                r.values = new double[d];
                batch[i] = r;
            }
            // Column by column (a row's first error is still that of its first bad feature).
            for (int k = 0; k < d; k++) {
                if (pageColumns[k] != null) {
                    pageColumns[k].fill(batch, count, k);
                    continue;
                }
                for (int i = 0; i < count; i++) {
                    batch[i].values[k] = feature(batch[i], k);
                }
            }
            for (int i = 0; i < count; i++) {
                batch[i].label = text(d);
                batch[i].id = text(d + 1);
                if (categories > 0) {
                    String[] values = new String[categories];
                    for (int k = 0; k < categories; k++) {
                        values[k] = text(d + 2 + k);
                    }
                    batch[i].categories = values;
                }
            }
            read += count;
            ArrayResultIterator<RawRecord> records = new ArrayResultIterator<>();
            records.set(batch, count, CheckpointedPosition.NO_OFFSET, 0L);
            return records;
        }

        /** The next value of feature k as a double; NaN, with the row's error set, when it has none. */
        private double feature(RawRecord r, int k) {
            ColumnReader c = columns[k];
            if (c == null || c.getCurrentDefinitionLevel() < maxDefinition[k]) {
                if (c != null) {
                    c.consume();
                }
                if (r.error == null) {
                    r.error = RowParser.MISSING_VALUE;
                    r.errorDetail = "column " + featureNames[k];
                }
                return Double.NaN;
            }
            double v = switch (types[k]) {
                case DOUBLE -> c.getDouble();
                case FLOAT -> c.getFloat();
                case INT32 -> ParquetValues.integer(unsigned[k] ? Integer.toUnsignedLong(c.getInteger()) : c.getInteger(), false, scales[k]);
                case INT64 -> ParquetValues.integer(c.getLong(), unsigned[k], scales[k]);
                case BOOLEAN -> c.getBoolean() ? 1.0 : 0.0;
                case BINARY, FIXED_LEN_BYTE_ARRAY -> scales[k] >= 0 ? ParquetValues.decimal(c.getBinary(), scales[k]) : notANumber(r, k);
                default -> notANumber(r, k); // text or bytes in this file, where the first file has numbers
            };
            c.consume();
            return v;
        }

        private double notANumber(RawRecord r, int k) {
            if (r.error == null || r.error.equals(RowParser.MISSING_VALUE)) { // a missing value may be imputed; this may not
                r.error = "unparsable number";
                r.errorDetail = "column " + featureNames[k] + ": not a number type (" + types[k] + ")";
            }
            return Double.NaN;
        }

        /** The next value of column c as text, or null. */
        private String text(int c) {
            ColumnReader col = columns[c];
            if (col == null) {
                return null;
            }
            String v = null;
            if (col.getCurrentDefinitionLevel() >= maxDefinition[c]) {
                v = switch (types[c]) {
                    case BINARY, FIXED_LEN_BYTE_ARRAY -> scales[c] >= 0 ? ParquetValues.decimalText(col.getBinary(), scales[c]) : col.getBinary().toStringUsingUTF8();
                    case INT96 -> col.getBinary().toStringUsingUTF8();
                    case INT32 -> ParquetValues.integerText(unsigned[c] ? Integer.toUnsignedLong(col.getInteger()) : col.getInteger(), false, scales[c]);
                    case INT64 -> ParquetValues.integerText(col.getLong(), unsigned[c], scales[c]);
                    case FLOAT -> Float.toString(col.getFloat());
                    case DOUBLE -> Double.toString(col.getDouble());
                    case BOOLEAN -> Boolean.toString(col.getBoolean());
                };
            }
            col.consume();
            return v;
        }

        /** How many feature columns of the current row group are decoded from their pages (for tests). */
        int pageDecodedColumns() {
            int n = 0;
            for (PageColumn p : pageColumns) {
                n += p == null ? 0 : 1;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    /** The column readers are read directly; the record converter they ask for is never called. */
    private static final class IgnoredValues extends GroupConverter {
        private final int fields;

        IgnoredValues(int fields) {
            this.fields = fields;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            if (fieldIndex < 0 || fieldIndex >= fields) {
                throw new IndexOutOfBoundsException(fieldIndex);
            }
            return new PrimitiveConverter() {};
        }

        @Override
        public void start() {}

        @Override
        public void end() {}
    }
}
