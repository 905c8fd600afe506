package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.StringReader;
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

    /** Every split size gives exactly the lines, and line numbers, of BufferedReader#readLine over the whole file. */
    @Test
    void splitsReadExactlyTheLinesOfTheWholeFileWithTheirPositions() throws Exception {
        Random rnd = new Random(5);
        String[] endings = {"\n", "\r", "\r\n", "\n\n", "\r\n\r\n", "\r\r"};
        for (int trial = 0; trial < 40; trial++) {
            StringBuilder sb = new StringBuilder("\uFEFFid,a,b");
            int rows = rnd.nextInt(60);
            for (int i = 0; i < rows; i++) {
                sb.append(endings[rnd.nextInt(endings.length)]);
                int len = rnd.nextInt(trial % 5 == 0 ? 400 : 30);
                for (int k = 0; k < len; k++) {
                    sb.append(rnd.nextInt(20) == 0 ? "é€" : String.valueOf((char) ('a' + rnd.nextInt(26))));
                }
            }
            if (rnd.nextBoolean()) {
                sb.append(endings[rnd.nextInt(endings.length)]);
            }
            String text = sb.toString();
            Path file = dir.resolve("t" + trial + ".csv");
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
            List<String> expected = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new StringReader(text))) {
                r.readLine(); // header
                String l;
                while ((l = r.readLine()) != null) {
                    expected.add(l);
                }
            }
            long size = Files.size(file);
            for (long splitBytes : new long[] {1, 2, 3, 7, 16, 61, 256, size, size + 100}) {
                assertThat(readAll(file, size, splitBytes)).as("trial %d, split %d", trial, splitBytes).isEqualTo(expected);
            }
        }
    }

    /**
     * The word-at-a-time count agrees with the rule it implements, byte by byte, on dense runs of LF
     * and CR (also across word and buffer borders, and ranges starting mid-file).
     */
    @Test
    void lineStartCountsFollowTheByteByByteRule() throws Exception {
        Random rnd = new Random(11);
        byte[] alphabet = {'a', ',', '\n', '\r'};
        for (int trial = 0; trial < 20; trial++) {
            byte[] bytes = new byte[trial < 10 ? 1 + rnd.nextInt(200) : (1 << 20) + rnd.nextInt(100_000)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = rnd.nextInt(3) == 0 ? alphabet[2 + rnd.nextInt(2)] : alphabet[rnd.nextInt(2)];
            }
            Path file = dir.resolve("c" + trial + ".csv");
            Files.write(file, bytes);
            org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(file.toUri());
            for (int k = 0; k < 30; k++) {
                int offset = k == 0 ? 0 : rnd.nextInt(bytes.length);
                int length = k == 1 ? bytes.length - offset : rnd.nextInt(bytes.length - offset + 1);
                assertThat(CsvSplits.countLineStarts(path, offset, length))
                        .as("trial %d, [%d, +%d)", trial, offset, length)
                        .isEqualTo(naiveLineStarts(bytes, offset, length));
            }
        }
    }

    /** Positions p in [offset, offset + length) where a line begins: p = 0, or after LF, or after CR not followed by LF. */
    private static long naiveLineStarts(byte[] b, int offset, int length) {
        long n = 0;
        for (int p = offset; p < offset + length; p++) {
            if (p == 0 || b[p - 1] == '\n' || (b[p - 1] == '\r' && b[p] != '\n')) {
                n++;
            }
        }
        return n;
    }

    private static List<String> readAll(Path file, long size, long splitBytes) throws Exception {
        DatasetInput.InputFile f = new DatasetInput.InputFile(file.toUri().toString(), file.getFileName().toString(), size);
        CsvSplits splits = CsvSplits.compute(List.of(f), splitBytes, 3);
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
