package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSplitFormatTest {
    @TempDir
    Path dir;

    /**
     * Every split size gives exactly the records, and record numbers, of a plain byte-by-byte reading
     * of the whole file by the rule ({@link #records}): quoted fields across LF, CR and CR LF, doubled
     * quotes, quotes inside unquoted fields, stray quotes (cut by the record limit), a byte order mark.
     */
    @Test
    void splitsReadExactlyTheRecordsOfTheWholeFileWithTheirPositions() throws Exception {
        Random rnd = new Random(5);
        String[] endings = {"\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "\r\r"};
        String[] pieces = {"a", "bc", ",", ",", "\"", "\"\"", "\"x,\ny\"", "\"p\r\nq\"\"r\"", "\"\r\"", "é€", "1.5", " \"", "\"z\"w"};
        int cuts = 0;
        int spanning = 0;
        for (int trial = 0; trial < 60; trial++) {
            StringBuilder sb = new StringBuilder(trial % 3 == 0 ? "\uFEFF\"i\nd\",a,b" : "id,\"a\nA\",b");
            int rows = rnd.nextInt(60);
            for (int i = 0; i < rows; i++) {
                sb.append(endings[rnd.nextInt(endings.length)]);
                int len = rnd.nextInt(trial % 5 == 0 ? 200 : 12);
                for (int k = 0; k < len; k++) {
                    sb.append(pieces[rnd.nextInt(pieces.length)]);
                }
                if (trial % 4 == 1 && rnd.nextInt(8) == 0) {
                    sb.append(",\"").append("long text\n".repeat(120 + rnd.nextInt(40))).append('"'); // near the 1 KiB limit, either side
                }
            }
            if (rnd.nextBoolean()) {
                sb.append(endings[rnd.nextInt(endings.length)]);
            }
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            Path file = dir.resolve("t" + trial + ".csv");
            Files.write(file, bytes);
            CsvDialect dialect = new CsvDialect(',', CsvDialect.MIN_RECORD_BYTES);
            List<String> expected = new ArrayList<>();
            for (long[] r : records(bytes, ',', dialect.maxRecordBytes())) {
                expected.add(new String(bytes, (int) r[0], (int) (r[1] - r[0]), StandardCharsets.UTF_8));
                cuts += r[3];
                spanning += new String(bytes, (int) r[0], (int) (r[1] - r[0]), StandardCharsets.UTF_8).contains("\n") ? 1 : 0;
            }
            expected.remove(0); // the header
            long size = bytes.length;
            for (long splitBytes : new long[] {1, 2, 3, 7, 16, 61, 256, 1000, size, size + 100}) {
                assertThat(readAll(file, size, splitBytes, dialect)).as("trial %d, split %d", trial, splitBytes).isEqualTo(expected);
            }
            // Compressed (gzip, bzip2), the same records (one split, whatever the split size).
            Path gz = dir.resolve("t" + trial + ".csv.gz");
            try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
                out.write(bytes);
            }
            assertThat(readAll(gz, Files.size(gz), 7, dialect)).as("trial %d, gzip", trial).isEqualTo(expected);
            Path bz2 = dir.resolve("t" + trial + ".csv.bz2");
            try (var out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(Files.newOutputStream(bz2))) {
                out.write(bytes);
            }
            assertThat(readAll(bz2, Files.size(bz2), 7, dialect)).as("trial %d, bzip2", trial).isEqualTo(expected);
        }
        assertThat(cuts).as("records cut by the limit").isGreaterThan(5);
        assertThat(spanning).as("records spanning lines").isGreaterThan(100);
    }

    /**
     * A stray quote early in a large file costs one row, not the rest of the file: the ranges' runs
     * see a record longer than the limit, and the client reads on record by record until a range
     * begins where one of its runs does.
     */
    @Test
    void aStrayQuoteIsCutAtItsLineAndTheRowsAfterItStay() throws Exception {
        StringBuilder sb = new StringBuilder("id,t,x\n");
        for (int i = 0; i < 20_000; i++) {
            sb.append(i).append(i == 3 ? ",\"oops," : ",ok,").append(i * 0.5).append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("stray.csv");
        Files.write(file, bytes);
        for (long splitBytes : new long[] {4096, 65_536, bytes.length}) {
            CsvDialect dialect = new CsvDialect(',', 4096);
            List<String> rows = readAll(file, bytes.length, splitBytes, dialect);
            // The client reads record by record from the stray quote's record to the next range, not to
            // the end of the file: at most two ranges' records (rows are 11 bytes or more).
            long followed = CsvSplits.compute(List.of(new DatasetInput.InputFile(file.toUri().toString(), "stray.csv", bytes.length)), splitBytes, 2, dialect)
                    .followedRecords();
            assertThat(followed).isPositive().isLessThanOrEqualTo(Math.min(20_000, 2 * splitBytes / 11));
            assertThat(rows).hasSize(20_000);
            assertThat(rows.get(3)).isEqualTo("3,\"oops,1.5");
            assertThat(rows.get(4)).isEqualTo("4,ok,2.0");
            assertThat(rows.get(19_999)).isEqualTo("19999,ok,9999.5");
        }
    }

    /** A truncated compressed file fails its read with the file and the record named (the CLI's one line). */
    @Test
    void aTruncatedCompressedFileNamesItselfInTheError() throws Exception {
        StringBuilder sb = new StringBuilder("id,x\n");
        java.util.Random rnd = new java.util.Random(2);
        for (int i = 0; i < 50_000; i++) {
            sb.append(i).append(',').append(rnd.nextDouble()).append('\n');
        }
        java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(packed)) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = packed.toByteArray();
        Path file = dir.resolve("cut.csv.gz");
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> readAll(file, Files.size(file), 1 << 20, new CsvDialect(',', 1 << 20)))
                .isInstanceOf(java.io.IOException.class).hasNoCause() // the innermost cause, which the CLI's line shows
                .hasMessageContaining("cut.csv.gz: cannot read record").hasMessageContaining("Unexpected end of ZLIB input stream");
    }

    /**
     * The word-at-a-time runs agree with the rule byte by byte, from each state, on dense runs of
     * quotes, delimiters, LF and CR (also across word and buffer borders, and ranges starting
     * mid-file).
     */
    @Test
    void rangeRunsFollowTheByteByByteRuleFromEveryState() throws Exception {
        Random rnd = new Random(11);
        byte[] alphabet = {'a', ',', '"', '\n', '\r'};
        for (int trial = 0; trial < 20; trial++) {
            byte[] bytes = new byte[trial < 10 ? 1 + rnd.nextInt(200) : (1 << 20) + rnd.nextInt(100_000)];
            int quoteOdds = trial % 2 == 0 ? 5 : 2000;
            for (int i = 0; i < bytes.length; i++) {
                int k = rnd.nextInt(quoteOdds) == 0 ? 2 : rnd.nextInt(3) == 0 ? 3 + rnd.nextInt(2) : rnd.nextInt(2);
                bytes[i] = alphabet[k];
            }
            Path file = dir.resolve("c" + trial + ".csv");
            Files.write(file, bytes);
            org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(file.toUri());
            for (int k = 0; k < 30; k++) {
                int offset = k == 0 ? 0 : rnd.nextInt(bytes.length);
                int length = k == 1 ? bytes.length - offset : rnd.nextInt(bytes.length - offset + 1);
                CsvRecords.Run[] runs = CsvRecords.scanRange(path, offset, length, ',');
                for (int state = 0; state < CsvRecords.STATES; state++) {
                    long[] expect = naiveRun(bytes, offset, length, state);
                    CsvRecords.Run run = runs[state];
                    assertThat(new long[] {run.count, run.first, run.last, Math.max(run.maxGap, 64), run.end})
                            .as("trial %d, [%d, +%d), state %d", trial, offset, length, state)
                            .containsExactly(expect);
                }
            }
        }
    }

    /**
     * The record starts in [offset, offset + length) begun in a state, by the rule byte by byte:
     * {count, first, last, max(largest gap, 64), end state}.
     */
    private static long[] naiveRun(byte[] b, int offset, int length, int state) {
        long count = 0;
        long first = -1;
        long last = -1;
        long gap = 0;
        int s = offset == 0 ? CsvRecords.FIELD_START : state;
        if (length > 0 && offset == 0) {
            count = 1;
            first = 0;
            last = 0;
        }
        for (int p = Math.max(offset, 1); p < offset + length; p++) {
            int c = b[p - 1];
            boolean start = false;
            if (s == CsvRecords.QUOTED) {
                s = c == '"' ? CsvRecords.FIELD_START : CsvRecords.QUOTED;
            } else if (c == '\n' || (c == '\r' && b[p] != '\n')) {
                start = true;
                s = CsvRecords.FIELD_START;
            } else if (c == ',' || c == '\r') {
                s = CsvRecords.FIELD_START;
            } else {
                s = c == '"' && s == CsvRecords.FIELD_START ? CsvRecords.QUOTED : CsvRecords.IN_FIELD;
            }
            if (start) {
                if (count > 0) {
                    gap = Math.max(gap, p - last);
                } else {
                    first = p;
                }
                count++;
                last = p;
            }
        }
        return new long[] {count, first, last, Math.max(gap, 64), length > 0 ? s : state};
    }

    /**
     * The records of a whole file by the rule, byte by byte: {start, end of text, next start, 1 if
     * cut}. A record ends at LF, CR or CR LF outside quotes; a quote opens a quoted field only at a
     * field's start; a record longer than max with a line end inside quotes is its first line.
     */
    static List<long[]> records(byte[] b, char delimiter, int max) {
        List<long[]> out = new ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            int start = pos;
            int i = start;
            if (start == 0 && b.length >= 3 && b[0] == (byte) 0xEF && b[1] == (byte) 0xBB && b[2] == (byte) 0xBF) {
                i = 3;
            }
            int s = CsvRecords.FIELD_START;
            int firstEnd = -1;
            int firstNext = -1;
            int end;
            int next;
            while (true) {
                if (i == b.length) {
                    end = i;
                    next = i;
                    break;
                }
                byte c = b[i];
                int after = c == '\r' && i + 1 < b.length && b[i + 1] == '\n' ? i + 2 : i + 1;
                if (s == CsvRecords.QUOTED) {
                    if (c == '"') {
                        s = CsvRecords.FIELD_START;
                    } else if ((c == '\n' || c == '\r') && firstEnd < 0) {
                        firstEnd = i;
                        firstNext = after;
                    }
                } else if (c == '\n' || c == '\r') {
                    end = i;
                    next = after;
                    break;
                } else if (c == delimiter) {
                    s = CsvRecords.FIELD_START;
                } else {
                    s = c == '"' && s == CsvRecords.FIELD_START ? CsvRecords.QUOTED : CsvRecords.IN_FIELD;
                }
                i++;
            }
            boolean cut = firstEnd >= 0 && end - start > max;
            out.add(cut ? new long[] {start, firstEnd, firstNext, 1} : new long[] {start, end, next, 0});
            pos = cut ? firstNext : next;
        }
        return out;
    }

    private static List<String> readAll(Path file, long size, long splitBytes, CsvDialect dialect) throws Exception {
        DatasetInput.InputFile f = new DatasetInput.InputFile(file.toUri().toString(), file.getFileName().toString(), size);
        CsvSplits splits = CsvSplits.compute(List.of(f), splitBytes, 3, dialect);
        CsvSplitFormat format = new CsvSplitFormat(splits);
        List<String> lines = new ArrayList<>();
        List<Long> positions = new ArrayList<>();
        java.util.TreeMap<Long, String> byRow = new java.util.TreeMap<>();
        for (RawRecord r : SplitReads.read(format, SplitReads.splits(splits.enumerator(), true))) {
            assertThat(byRow.put(r.rowIndex, r.line)).isNull();
        }
        long expect = 0;
        for (var e : byRow.entrySet()) {
            assertThat(e.getKey()).isEqualTo(expect++);
            lines.add(e.getValue());
        }
        return lines;
    }
}
