package io.modelwarden.connect;

import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;

/**
 * The byte-range splits of the CSV files of a scan, with the line number each split starts at, so
 * that split readers running in parallel still give every row its exact position in its file.
 *
 * <p>A split [offset, offset + length) owns the lines that <em>begin</em> in it (Hadoop's
 * TextInputFormat rule): its reader starts at the first line beginning at or after its offset and
 * reads through the line that crosses its end. Lines end as {@link java.io.BufferedReader#readLine}
 * ends them (LF, CR or CR LF), so the lines and their numbers are exactly those of the whole-file
 * reader. The client computes the table once, before both passes, by counting line beginnings per
 * split; both passes then read the same splits with the same starting numbers.
 */
public final class CsvSplits implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * One split: file index, path, byte range, file size, and the number (0-based, the header being
     * line 0) of the first line that begins in it.
     */
    public record Split(String id, int fileIndex, String path, long offset, long length, long fileSize, long firstLine, long lines)
            implements Serializable, FixedSplits.Range {}

    private final List<Split> splits;

    private CsvSplits(List<Split> splits) {
        this.splits = List.copyOf(splits);
    }

    public List<Split> splits() {
        return splits;
    }

    /**
     * Cuts every file into splits of splitBytes (the last one shorter) and counts their lines, the
     * splits on up to {@code threads} threads at once (each split is counted on its own).
     */
    public static CsvSplits compute(List<DatasetInput.InputFile> files, long splitBytes, int threads) throws IOException {
        if (splitBytes <= 0) {
            throw new IllegalArgumentException("split size must be positive: " + splitBytes);
        }
        List<long[]> ranges = new ArrayList<>(); // file index, offset, length, file size
        for (int f = 0; f < files.size(); f++) {
            Path path = new Path(files.get(f).path());
            long size = path.getFileSystem().getFileStatus(path).getLen();
            long offset = 0;
            do {
                ranges.add(new long[] {f, offset, Math.min(splitBytes, size - offset), size});
                offset += splitBytes;
            } while (offset < size);
        }
        List<Long> counts = ParallelIo.map(ranges, threads, "warden-csv-lines",
                r -> countLineStarts(new Path(files.get((int) r[0]).path()), r[1], r[2]));
        List<Split> out = new ArrayList<>();
        long line = 0;
        for (int i = 0; i < ranges.size(); i++) {
            long[] r = ranges.get(i);
            int f = (int) r[0];
            if (r[1] == 0) {
                line = 0;
            }
            out.add(new Split("csv-" + f + "-" + (r[1] / splitBytes), f, files.get(f).path(), r[1], r[2], r[3], line, counts.get(i)));
            line += counts.get(i);
        }
        return new CsvSplits(out);
    }

    /**
     * The lines beginning in [offset, offset + length): position 0, and every position after LF or
     * after a CR not followed by LF. Equivalently, with p the byte before each position of the range:
     * the LFs among those bytes, plus their CRs whose next byte is not LF. Counted eight bytes at a
     * time (SWAR, see {@link #matches}); a word holding a CR is looked at byte by byte. About 0.1 s per
     * GB and thread once compiled, where a byte loop took over a second.
     */
    static long countLineStarts(Path path, long offset, long length) throws IOException {
        if (length <= 0) {
            return 0;
        }
        long end = offset + length;
        long count = 0;
        byte[] buf = new byte[1 << 20];
        try (org.apache.flink.core.fs.FSDataInputStream in = path.getFileSystem().open(path)) {
            int prev; // the byte before the next one read; -1 before the file's first byte
            long pos; // position of the next byte read
            if (offset == 0) {
                count = 1; // the line at 0
                prev = -1;
                pos = 0;
            } else {
                in.seek(offset - 1);
                prev = in.read();
                pos = offset;
            }
            while (pos < end) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, end - pos));
                if (r <= 0) {
                    break;
                }
                // The carried byte precedes buf[0]; buf[0 .. r-2] precede buf[1 .. r-1].
                if (prev == '\n' || (prev == '\r' && buf[0] != '\n')) {
                    count++;
                }
                count += precedingLineStarts(buf, r - 1);
                prev = buf[r - 1];
                pos += r;
            }
        }
        return count;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LF = 0x0A0A0A0A0A0A0A0AL;
    private static final long CR = 0x0D0D0D0D0D0D0D0DL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /**
     * The bytes among b[0 .. n-1] after which a line begins (LF, or CR whose next byte b[i + 1] is not
     * LF); b[n] must exist.
     */
    static long precedingLineStarts(byte[] b, int n) {
        long count = 0;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long w = (long) LONGS.get(b, i);
            count += Long.bitCount(matches(w, LF));
            if (matches(w, CR) != 0) {
                for (int k = i; k < i + 8; k++) {
                    if (b[k] == '\r' && b[k + 1] != '\n') {
                        count++;
                    }
                }
            }
        }
        for (; i < n; i++) {
            if (b[i] == '\n' || (b[i] == '\r' && b[i + 1] != '\n')) {
                count++;
            }
        }
        return count;
    }

    /** 0x80 in every byte of w equal to the pattern's byte, 0 elsewhere (exact: no false positives). */
    private static long matches(long w, long pattern) {
        long x = w ^ pattern; // zero bytes where w matches
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    /** Hands FileSource exactly these splits (its own enumerators split local files by block only). */
    public FileEnumerator.Provider enumerator() {
        return FixedSplits.of(splits);
    }
}
