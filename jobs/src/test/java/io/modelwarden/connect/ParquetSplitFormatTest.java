package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Splits read in parallel, in any order, give every row of every file once, with its position, its values and its errors. */
class ParquetSplitFormatTest {
    @TempDir
    Path dir;

    private static final Schema SCHEMA = SchemaBuilder.record("row").fields()
            .requiredString("id")
            .requiredDouble("d")
            .optionalDouble("maybe") // nulls: a missing value
            .requiredFloat("f")
            .requiredInt("i")
            .requiredLong("l")
            .requiredBoolean("b")
            .requiredString("note") // not read: neither feature, label nor id
            .optionalString("label")
            .endRecord();

    /** The rows the generator writes into file k: what a reader must give back, in order. */
    private static List<GenericRecord> rows(int k, int n) {
        Random rnd = new Random(k);
        List<GenericRecord> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            GenericRecord g = new GenericData.Record(SCHEMA);
            g.put("id", "f" + k + "-r" + r);
            g.put("d", rnd.nextGaussian());
            g.put("maybe", rnd.nextInt(50) == 0 ? null : rnd.nextDouble());
            g.put("f", (float) rnd.nextGaussian());
            g.put("i", rnd.nextInt());
            g.put("l", rnd.nextLong());
            g.put("b", rnd.nextBoolean());
            g.put("note", "x".repeat(rnd.nextInt(20)));
            g.put("label", rnd.nextInt(30) == 0 ? null : "c\u00e9" + rnd.nextInt(3));
            out.add(g);
        }
        return out;
    }

    @Test
    void everyRowGroupOfEveryFileIsReadWithItsPositionsValuesAndErrors() throws Exception {
        List<List<GenericRecord>> written = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Path file = dir.resolve("part-" + k + ".parquet");
            List<GenericRecord> rows = rows(k, 5_000 + 1_234 * k);
            // Small row groups (a few KB), so that each file has many of them.
            try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                    .withSchema(SCHEMA).withRowGroupSize(16 * 1024L).withPageSize(4 * 1024).build()) {
                for (GenericRecord g : rows) {
                    w.write(g);
                }
            }
            written.add(rows);
        }
        DatasetInput input = DatasetInput.open(dir.toString(), "label", "id", List.of(), new CsvDialect(',', 1 << 20));
        assertThat(input.files()).extracting(DatasetInput.InputFile::name).containsExactly("part-0.parquet", "part-1.parquet");
        assertThat(input.rowGroups().get(0)).hasSizeGreaterThan(10);
        // One split per group, runs of groups, every group sliced (into more slices than a small group
        // has pages), one split per file.
        for (long[] cut : new long[][] {{1, 1}, {1, 3}, {1, 7}, {700, 2}, {2_000, 4}, {1L << 40, 1}}) {
            ParquetSplits splits = ParquetSplits.of(input.files(), input.rowGroups(), cut[0], cut[0], (int) cut[1]);
            assertReadsEveryRowOnce(input.files(), written, splits);
        }
        assertThat(ParquetSplits.of(input.files(), input.rowGroups(), 1, 1, 3).splits())
                .hasSize(3 * (input.rowGroups().get(0).size() + input.rowGroups().get(1).size()));
    }

    /** A file of one large row group, as pandas writes one, is read in slices: each row once, in its place. */
    @Test
    void aSingleRowGroupIsReadInSlices() throws Exception {
        Path file = dir.resolve("one-group.parquet");
        List<GenericRecord> rows = rows(5, 20_001);
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(SCHEMA).withPageSize(4 * 1024).build()) {
            for (GenericRecord g : rows) {
                w.write(g);
            }
        }
        DatasetInput input = DatasetInput.open(file.toString(), "label", "id", List.of(), new CsvDialect(',', 1 << 20));
        assertThat(input.rowGroups().get(0)).hasSize(1);
        ParquetSplits splits = ParquetSplits.of(input.files(), input.rowGroups(), 3_000, 3_000, 4);
        assertThat(splits.splits()).extracting(ParquetSplits.Split::slices).containsOnly(4);
        assertReadsEveryRowOnce(input.files(), List.of(rows), splits);
    }

    /**
     * Small groups make runs up to the target; a group above the slicing threshold is cut into at most
     * maxSlices slices, one between the target and the threshold is read whole.
     */
    @Test
    void splitsAreRunsOfGroupsOrSlicesOfOne() {
        List<DatasetInput.InputFile> files = List.of(new DatasetInput.InputFile("file:/a.parquet", "a.parquet", 1_000),
                new DatasetInput.InputFile("file:/b.parquet", "b.parquet", 1_000));
        List<DatasetInput.RowGroup> a = List.of(group(0, 10), group(1, 10), group(2, 10), group(3, 100), group(4, 10));
        List<DatasetInput.RowGroup> b = List.of(group(0, 60));
        List<ParquetSplits.Split> splits = ParquetSplits.of(files, List.of(a, b), 25, 80, 3).splits();
        assertThat(splits).extracting(s -> s.fileIndex() + ":" + s.firstGroup() + "+" + s.groups() + "/" + s.slice() + "of" + s.slices())
                .containsExactly("0:0+2/0of1", "0:2+1/0of1", "0:3+1/0of3", "0:3+1/1of3", "0:3+1/2of3", "0:4+1/0of1", "1:0+1/0of1");
        assertThat(splits).extracting(ParquetSplits.Split::id).doesNotHaveDuplicates();
        assertThat(splits.get(0).offset()).isEqualTo(4);
        assertThat(splits.get(0).length()).isEqualTo(200);
        assertThat(ParquetSplits.targetRows(1_000_000, 2)).isEqualTo(250_000);
        assertThat(ParquetSplits.targetRows(1_000, 8)).isEqualTo(ParquetSplits.MIN_SPLIT_ROWS);

    }

    /**
     * The plan for a parallelism: groups that already share the work evenly enough are read whole (no
     * row skipped), one or a few large groups are sliced, and the largest split comes last (the assigner
     * hands out the last first).
     */
    @Test
    void slicesOnlyWhenTheyEvenOutTheTasksWork() {
        List<DatasetInput.InputFile> one = List.of(new DatasetInput.InputFile("file:/a.parquet", "a.parquet", 1_000));
        // Two groups at parallelism 2 (the benchmark file: 565,000 and 435,000 rows): read whole.
        assertThat(ParquetSplits.of(one, List.of(List.of(group(0, 565_000), group(1, 435_000))), 2).splits())
                .extracting(ParquetSplits.Split::slices).containsOnly(1);
        // One group at parallelism 2: two slices.
        List<List<DatasetInput.RowGroup>> single = List.of(List.of(group(0, 1_000_000)));
        assertThat(ParquetSplits.of(one, single, 2).splits()).extracting(ParquetSplits.Split::slice).containsExactly(0, 1);
        // Three groups at parallelism 8: sliced, so that the busiest task has well under a group's rows.
        List<List<DatasetInput.RowGroup>> three = List.of(List.of(group(0, 1_000_000), group(1, 1_000_000), group(2, 1_000_000)));
        ParquetSplits sliced = ParquetSplits.of(one, three, 8);
        assertThat(sliced.splits()).hasSizeGreaterThan(8);
        assertThat(sliced.busiestTask(three, 8)).isLessThan(600_000);
        assertThat(ParquetSplits.of(one, three, 8, Long.MAX_VALUE, 1).busiestTask(three, 8)).isEqualTo(1_000_000);
        List<Double> work = new ArrayList<>();
        for (ParquetSplits.Split sp : sliced.splits()) {
            work.add(ParquetSplits.work(sp, three));
        }
        assertThat(work).isSorted();
    }

    /** Row group g of a made-up file: 100 bytes each, after the 4-byte magic. */
    private static DatasetInput.RowGroup group(int g, long rows) {
        return new DatasetInput.RowGroup(4 + 100L * g, 100, rows);
    }

    private static void assertReadsEveryRowOnce(List<DatasetInput.InputFile> files, List<List<GenericRecord>> written, ParquetSplits splits) throws Exception {
        int fileCount = written.size();
        String[] features = {"d", "maybe", "f", "i", "l", "b"};
        ParquetSplitFormat format = new ParquetSplitFormat(splits, features, "label", "id");
        List<TreeMap<Long, RawRecord>> byFile = new ArrayList<>();
        for (int k = 0; k < fileCount; k++) {
            byFile.add(new TreeMap<>());
        }
        // In reverse order: positions must not depend on the order splits are read in.
        for (RawRecord r : SplitReads.read(format, SplitReads.splits(splits.enumerator(), true))) {
            assertThat(byFile.get(r.fileIndex).put(r.rowIndex, r)).isNull();
        }
        for (int k = 0; k < fileCount; k++) {
            List<GenericRecord> rows = written.get(k);
            assertThat(byFile.get(k)).hasSize(rows.size());
            assertThat(byFile.get(k).firstKey()).isZero();
            assertThat(byFile.get(k).lastKey()).isEqualTo(rows.size() - 1L);
            for (int r = 0; r < rows.size(); r++) {
                GenericRecord g = rows.get(r);
                RawRecord got = byFile.get(k).get((long) r);
                assertThat(got.id).isEqualTo(g.get("id"));
                assertThat(got.label).isEqualTo(g.get("label"));
                assertThat(got.values[0]).isEqualTo((double) g.get("d"));
                assertThat(got.values[2]).isEqualTo((double) (float) g.get("f"));
                assertThat(got.values[3]).isEqualTo((double) (int) g.get("i"));
                assertThat(got.values[4]).isEqualTo((double) (long) g.get("l"));
                assertThat(got.values[5]).isEqualTo((boolean) g.get("b") ? 1.0 : 0.0);
                if (g.get("maybe") == null) {
                    assertThat(got.values[1]).isNaN();
                    assertThat(got.error).isEqualTo("missing value");
                    assertThat(got.errorDetail).isEqualTo("column maybe");
                } else {
                    assertThat(got.values[1]).isEqualTo((double) g.get("maybe"));
                    assertThat(got.error).isNull();
                }
            }
        }
    }

    /** A repeated column (a list per row) is no feature: read as one value per row it would shift every row after. */
    @Test
    void aRepeatedColumnIsNoFeatureAndNeverMisaligns() throws Exception {
        // A top-level repeated primitive (Avro would write a list group): Parquet's example writer.
        org.apache.parquet.schema.MessageType withList = org.apache.parquet.schema.MessageTypeParser.parseMessageType(
                "message row { required double d; repeated double xs; required binary label (UTF8); }");
        Path file = dir.resolve("lists.parquet");
        try (ParquetWriter<org.apache.parquet.example.data.Group> w = org.apache.parquet.hadoop.example.ExampleParquetWriter
                .builder(new LocalOutputFile(file)).withType(withList).build()) {
            var groups = new org.apache.parquet.example.data.simple.SimpleGroupFactory(withList);
            for (int r = 0; r < 50; r++) {
                org.apache.parquet.example.data.Group g = groups.newGroup().append("d", (double) r);
                for (int k = 0; k < r % 4; k++) {
                    g.append("xs", 1.5);
                }
                w.write(g.append("label", "l" + r));
            }
        }
        DatasetInput input = DatasetInput.open(file.toString(), "label", "", List.of(), new CsvDialect(',', 1 << 20));
        assertThat(input.schema().featureNames()).containsExactly("d");

        List<RawRecord> read = readWholeFile(file, new String[] {"d", "xs"}, "label", null);
        assertThat(read).hasSize(50);
        for (int r = 0; r < 50; r++) {
            RawRecord got = read.get(r);
            assertThat(got.values[0]).isEqualTo((double) r);
            assertThat(got.label).isEqualTo("l" + r);
            assertThat(got.error).isEqualTo("missing value");
        }
    }

    /** A list as Avro writes it (a group holding a repeated field): no value in any row, and no error in the reader. */
    @Test
    void aListGroupIsMissingInEveryRow() throws Exception {
        Schema withList = SchemaBuilder.record("row").fields()
                .requiredDouble("d")
                .name("xs").type().array().items().doubleType().noDefault()
                .requiredString("label")
                .endRecord();
        Path file = dir.resolve("avro-list.parquet");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)).withSchema(withList).build()) {
            for (int r = 0; r < 20; r++) {
                GenericRecord g = new GenericData.Record(withList);
                g.put("d", (double) r);
                g.put("xs", Collections.nCopies(r % 3, 2.5));
                g.put("label", "l" + r);
                w.write(g);
            }
        }
        List<RawRecord> read = readWholeFile(file, new String[] {"d", "xs"}, "label", null);
        assertThat(read).hasSize(20);
        for (int r = 0; r < 20; r++) {
            RawRecord got = read.get(r);
            assertThat(got.values[0]).isEqualTo((double) r);
            assertThat(got.error).isEqualTo("missing value");
            assertThat(got.errorDetail).isEqualTo("column xs");
        }
    }

    /** Files as other writers compress them: each codec's pages decode to the same rows. */
    @Test
    void readsEveryCommonCompressionCodec() throws Exception {
        for (org.apache.parquet.hadoop.metadata.CompressionCodecName codec : new org.apache.parquet.hadoop.metadata.CompressionCodecName[] {
                org.apache.parquet.hadoop.metadata.CompressionCodecName.UNCOMPRESSED, org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY,
                org.apache.parquet.hadoop.metadata.CompressionCodecName.GZIP, org.apache.parquet.hadoop.metadata.CompressionCodecName.ZSTD,
                org.apache.parquet.hadoop.metadata.CompressionCodecName.LZ4_RAW}) {
            Path file = dir.resolve(codec + ".parquet");
            List<GenericRecord> rows = rows(3, 300);
            try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                    .withSchema(SCHEMA).withCompressionCodec(codec).build()) {
                for (GenericRecord g : rows) {
                    w.write(g);
                }
            }
            List<RawRecord> read = readWholeFile(file, new String[] {"d"}, "label", "id");
            assertThat(read).hasSize(rows.size());
            for (int r = 0; r < rows.size(); r++) {
                RawRecord got = read.get(r);
                assertThat(got.values[0]).as("%s", codec).isEqualTo((double) rows.get(r).get("d"));
                assertThat(got.id).isEqualTo(rows.get(r).get("id"));
            }
        }
    }

    /**
     * Decimals (as INT32, INT64, fixed-length and variable-length bytes: Spark and pyarrow write all
     * four) are features with their decimal value, the double that parsing their text gives, as a CSV
     * of the same table would; unsigned integers are unsigned; a decimal id reads as decimal text.
     */
    @Test
    void decimalsAndUnsignedIntegersReadAsTheirValues() throws Exception {
        org.apache.parquet.schema.MessageType type = org.apache.parquet.schema.MessageTypeParser.parseMessageType("message row {"
                + " required int32 a (DECIMAL(9,2)); required int64 b (DECIMAL(18,4));"
                + " required fixed_len_byte_array(16) c (DECIMAL(38,6)); required binary d (DECIMAL(20,3));"
                + " required int64 u (INTEGER(64,false)); required int32 u32 (INTEGER(32,false));"
                + " required int64 id (DECIMAL(10,2)); required binary label (UTF8); }");
        long[][] stored = {{12_345, 1_234_567_890_123L, 123_456_789, -42, -1, -1, 705}, {-5, -7, -1, 0, 3, 7, -1}};
        Path file = dir.resolve("decimals.parquet");
        try (ParquetWriter<org.apache.parquet.example.data.Group> w = org.apache.parquet.hadoop.example.ExampleParquetWriter
                .builder(new LocalOutputFile(file)).withType(type).build()) {
            var groups = new org.apache.parquet.example.data.simple.SimpleGroupFactory(type);
            for (long[] v : stored) {
                w.write(groups.newGroup().append("a", (int) v[0]).append("b", v[1])
                        .append("c", org.apache.parquet.io.api.Binary.fromConstantByteArray(sixteenBytes(v[2])))
                        .append("d", org.apache.parquet.io.api.Binary.fromConstantByteArray(java.math.BigInteger.valueOf(v[3]).toByteArray()))
                        .append("u", v[4]).append("u32", (int) v[5]).append("id", v[6]).append("label", "l"));
            }
        }
        DatasetInput input = DatasetInput.open(file.toString(), "label", "id", List.of(), new CsvDialect(',', 1 << 20));
        assertThat(input.schema().featureNames()).containsExactly("a", "b", "c", "d", "u", "u32");

        List<RawRecord> read = readWholeFile(file, input.schema().featureNames(), "label", "id");
        assertThat(read.get(0).values).containsExactly(Double.parseDouble("123.45"), Double.parseDouble("123456789.0123"),
                Double.parseDouble("123.456789"), Double.parseDouble("-0.042"), Double.parseDouble("18446744073709551615"), 4294967295.0);
        assertThat(read.get(0).id).isEqualTo("7.05");
        assertThat(read.get(1).values).containsExactly(-0.05, Double.parseDouble("-0.0007"), -0.000001, 0.0, 3.0, 7.0);
        assertThat(read.get(1).id).isEqualTo("-0.01");
        assertThat(read.get(0).error).isNull();
    }

    /**
     * Feature columns decoded from their pages give exactly what Parquet's column readers give, row by
     * row and bit by bit (values, nulls and errors), whole or in slices, for the layouts writers make:
     * dictionary pages that fall back to plain ones, plain only, version-2 pages, few distinct values.
     */
    @Test
    void pageDecodingReadsWhatTheColumnReadersRead() throws Exception {
        record Layout(String name, boolean dictionary, org.apache.parquet.column.ParquetProperties.WriterVersion version, int distinct) {}
        org.apache.parquet.column.ParquetProperties.WriterVersion v1 = org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_1_0;
        org.apache.parquet.column.ParquetProperties.WriterVersion v2 = org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_2_0;
        String[] features = {"d", "maybe", "f", "i", "l", "b"};
        for (Layout layout : List.of(new Layout("dictionary-then-plain", true, v1, 0), new Layout("plain", false, v1, 0),
                new Layout("v2-pages", true, v2, 0), new Layout("few-values", true, v1, 7), new Layout("few-values-v2", true, v2, 7))) {
            Path file = dir.resolve(layout.name() + ".parquet");
            List<GenericRecord> rows = rows(11, 9_000);
            if (layout.distinct() > 0) {
                for (int r = 0; r < rows.size(); r++) {
                    rows.get(r).put("d", (double) (r % layout.distinct()));
                    rows.get(r).put("l", (long) (r % layout.distinct()) << 40);
                }
            }
            try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                    .withSchema(SCHEMA).withDictionaryEncoding(layout.dictionary()).withWriterVersion(layout.version())
                    .withCompressionCodec(org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY)
                    .withDictionaryPageSize(4 * 1024).withPageSize(8 * 1024).withRowGroupSize(64 * 1024L).build()) {
                for (GenericRecord g : rows) {
                    w.write(g);
                }
            }
            DatasetInput input = DatasetInput.open(file.toString(), "label", "id", List.of(), new CsvDialect(',', 1 << 20));
            for (int slices : new int[] {1, 3}) {
                ParquetSplits splits = ParquetSplits.of(input.files(), input.rowGroups(), 1, slices == 1 ? Long.MAX_VALUE : 1, slices);
                // Version 1 pages: every feature but the boolean one from its pages; version 2 writes
                // integers that fall back from the dictionary as DELTA_BINARY_PACKED, left to the reader.
                int pageDecoded = layout.version() == v1 ? 5 : 3;
                List<RawRecord> decoded = readAll(new ParquetSplitFormat(splits, features, "label", "id", new String[0], true), splits, pageDecoded);
                List<RawRecord> reference = readAll(new ParquetSplitFormat(splits, features, "label", "id", new String[0], false), splits, 0);
                assertThat(decoded).hasSize(rows.size());
                assertThat(reference).hasSize(rows.size());
                for (int r = 0; r < rows.size(); r++) {
                    RawRecord a = decoded.get(r);
                    RawRecord b = reference.get(r);
                    assertThat(a.rowIndex).isEqualTo(b.rowIndex).isEqualTo(r);
                    for (int k = 0; k < features.length; k++) {
                        assertThat(Double.doubleToRawLongBits(a.values[k])).as("%s, %d slice(s), row %d, %s", layout.name(), slices, r, features[k])
                                .isEqualTo(Double.doubleToRawLongBits(b.values[k]));
                    }
                    assertThat(a.error).isEqualTo(b.error);
                    assertThat(a.errorDetail).isEqualTo(b.errorDetail);
                    assertThat(a.label).isEqualTo(b.label);
                    assertThat(a.id).isEqualTo(b.id);
                }
            }
        }
    }

    /** Every row of the splits, in position order; asserts that at least (0: exactly) pageDecoded feature columns come from their pages. */
    private static List<RawRecord> readAll(ParquetSplitFormat format, ParquetSplits splits, int pageDecoded) throws Exception {
        TreeMap<Long, RawRecord> rows = new TreeMap<>();
        for (RawRecord r : SplitReads.read(format, SplitReads.splits(splits.enumerator(), false), reader -> {
            int n = ((ParquetSplitFormat.RowGroupReader) reader).pageDecodedColumns();
            if (pageDecoded == 0) {
                assertThat(n).isZero();
            } else {
                assertThat(n).isBetween(pageDecoded, 5);
            }
        })) {
            assertThat(rows.put(r.rowIndex, r)).isNull();
        }
        return new ArrayList<>(rows.values());
    }

    /** A value as 16 bytes of big-endian two's complement (a DECIMAL(38, s) as Spark writes it). */
    private static byte[] sixteenBytes(long v) {
        return java.nio.ByteBuffer.allocate(16).putLong(v < 0 ? -1L : 0L).putLong(v).array();
    }

    @Test
    void aFeatureColumnAFileLacksIsMissingInEveryRow() throws Exception {
        Path file = dir.resolve("narrow.parquet");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)).withSchema(SCHEMA).build()) {
            for (GenericRecord g : rows(7, 10)) {
                w.write(g);
            }
        }
        RawRecord first = readWholeFile(file, new String[] {"d", "absent"}, "label", null).get(0);
        assertThat(first.error).isEqualTo("missing value");
        assertThat(first.errorDetail).isEqualTo("column absent");
        assertThat(first.id).isNull();

        // A feature that this file holds as text (another file of the folder had numbers): unparsable.
        RawRecord row = readWholeFile(file, new String[] {"d", "note"}, "label", null).get(0);
        assertThat(row.error).isEqualTo("unparsable number");
        assertThat(row.errorDetail).startsWith("column note");
        assertThat(row.values[1]).isNaN();
    }

    /** Every row of a small file (one split), read with these feature, label and id columns, in order. */
    private static List<RawRecord> readWholeFile(Path file, String[] features, String label, String id) throws Exception {
        List<DatasetInput.RowGroup> groups = new ArrayList<>();
        try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(new org.apache.parquet.io.LocalInputFile(file))) {
            for (org.apache.parquet.hadoop.metadata.BlockMetaData b : r.getFooter().getBlocks()) {
                groups.add(new DatasetInput.RowGroup(b.getStartingPos(), b.getCompressedSize(), b.getRowCount()));
            }
        }
        ParquetSplits splits = ParquetSplits.of(List.of(new DatasetInput.InputFile(file.toUri().toString(), file.getFileName().toString(), Files.size(file))),
                List.of(groups), 1L << 40, 1L << 40, 1);
        return SplitReads.read(new ParquetSplitFormat(splits, features, label, id), SplitReads.splits(splits.enumerator(), false));
    }
}
