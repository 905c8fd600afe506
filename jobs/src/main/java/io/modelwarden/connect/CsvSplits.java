package io.modelwarden.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
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
            implements Serializable {}

    private final List<Split> splits;

    private CsvSplits(List<Split> splits) {
        this.splits = List.copyOf(splits);
    }

    public List<Split> splits() {
        return splits;
    }

    /** Cuts every file into splits of splitBytes (the last one shorter) and counts their lines. */
    public static CsvSplits compute(List<DatasetInput.InputFile> files, long splitBytes) throws IOException {
        if (splitBytes <= 0) {
            throw new IllegalArgumentException("split size must be positive: " + splitBytes);
        }
        List<Split> out = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            DatasetInput.InputFile file = files.get(f);
            Path path = new Path(file.path());
            long size = path.getFileSystem().getFileStatus(path).getLen();
            long[] counts = countLineStarts(path, size, splitBytes);
            long line = 0;
            for (int k = 0; k < counts.length; k++) {
                long offset = k * splitBytes;
                long length = Math.min(splitBytes, size - offset);
                out.add(new Split("csv-" + f + "-" + k, f, file.path(), offset, length, size, line, counts[k]));
                line += counts[k];
            }
        }
        return new CsvSplits(out);
    }

    /** Line beginnings per split: position 0, and every position after LF or after a CR not followed by LF. */
    static long[] countLineStarts(Path path, long size, long splitBytes) throws IOException {
        int n = (int) Math.max(1, (size + splitBytes - 1) / splitBytes);
        long[] counts = new long[n];
        if (size == 0) {
            return counts;
        }
        counts[0] = 1; // the line at 0
        byte[] buf = new byte[1 << 20];
        long base = 0;
        int prev = -1;
        try (InputStream in = path.getFileSystem().open(path)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                for (int i = 0; i < r; i++) {
                    byte b = buf[i];
                    if (prev == '\n' || (prev == '\r' && b != '\n')) {
                        counts[(int) ((base + i) / splitBytes)]++;
                    }
                    prev = b;
                }
                base += r;
            }
        }
        return counts;
    }

    /** Hands FileSource exactly these splits (its own enumerators split local files by block only). */
    public FileEnumerator.Provider enumerator() {
        List<Split> s = splits;
        return () -> (paths, minDesiredSplits) -> {
            Collection<FileSourceSplit> result = new ArrayList<>();
            for (Split split : s) {
                result.add(new FileSourceSplit(split.id(), new Path(split.path()), split.offset(), split.length(), 0L, split.fileSize()));
            }
            return result;
        };
    }
}
