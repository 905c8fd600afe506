package io.modelwarden.connect;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;

/**
 * The byte-range splits of the CSV files of a scan, with the number of the first record each split
 * holds, so that split readers running in parallel still give every row its exact position in its
 * file.
 *
 * <p>A split [offset, offset + length) owns the records that <em>begin</em> in it (Hadoop's
 * TextInputFormat rule, with records instead of lines: a quoted field may span lines, see {@link
 * CsvRecords}): its reader starts at the first of them and reads through the one that crosses its
 * end. The client computes the table once, before both passes: it follows every range from each state
 * it may begin in (in parallel), then chains each file's ranges from its start, which tells each
 * range's true first record start and record count. Should a record run past {@link
 * CsvDialect#maxRecordBytes()} (which the stray-quote guard may cut), that stretch of the file is
 * followed record by record instead, by the readers' own rule, until a range begins where one of its
 * runs does. Both passes then read the same splits with the same starting numbers.
 */
public final class CsvSplits implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * One split: file index, path, byte range, file size, the number (0-based, the header being
     * record 0) of the first record that begins in it, how many begin in it ({@link #ALL} for a
     * compressed file, one split read to its end), and where the first begins (-1 when none does).
     */
    public record Split(String id, int fileIndex, String path, long offset, long length, long fileSize, long firstRecord, long records,
            long firstRecordStart) implements Serializable, FixedSplits.Range {}

    /** The record count of a compressed file's one split: every record, to the end of the file. */
    public static final long ALL = -1;

    private final List<Split> splits;
    private final CsvDialect dialect;
    private final long followed;

    private CsvSplits(List<Split> splits, CsvDialect dialect, long followed) {
        this.splits = List.copyOf(splits);
        this.dialect = dialect;
        this.followed = followed;
    }

    /** Records the client read one by one (after a record past the limit) to find the splits' first records. */
    public long followedRecords() {
        return followed;
    }

    public List<Split> splits() {
        return splits;
    }

    public CsvDialect dialect() {
        return dialect;
    }

    /**
     * Cuts every file into splits of splitBytes (the last one shorter) and finds their records, the
     * splits on up to {@code threads} threads at once (each split is followed on its own).
     */
    public static CsvSplits compute(List<DatasetInput.InputFile> files, long splitBytes, int threads, CsvDialect dialect) throws IOException {
        if (splitBytes <= 0) {
            throw new IllegalArgumentException("split size must be positive: " + splitBytes);
        }
        List<long[]> ranges = new ArrayList<>(); // file index, offset, length, file size
        for (int f = 0; f < files.size(); f++) {
            Path path = new Path(files.get(f).path());
            long size = path.getFileSystem().getFileStatus(path).getLen();
            long offset = 0;
            do {
                long length = InputFormat.isCompressed(files.get(f).name()) ? size : Math.min(splitBytes, size - offset);
                ranges.add(new long[] {f, offset, length, size});
                offset += length;
            } while (offset < size);
        }
        // A compressed file is one range, read whole by one reader: nothing to find beforehand.
        List<CsvRecords.Run[]> runs = ParallelIo.map(ranges, threads, "warden-csv-records",
                r -> compressed(files, r) ? null : CsvRecords.scanRange(new Path(files.get((int) r[0]).path()), r[1], r[2], dialect.delimiter()));
        long[] counts = new long[ranges.size()];
        long[] firsts = new long[ranges.size()];
        long[] followed = new long[1];
        int fileStart = 0;
        while (fileStart < ranges.size()) {
            int fileEnd = fileStart;
            while (fileEnd < ranges.size() && ranges.get(fileEnd)[0] == ranges.get(fileStart)[0]) {
                fileEnd++;
            }
            if (compressed(files, ranges.get(fileStart))) {
                counts[fileStart] = ALL;
                firsts[fileStart] = 0;
            } else {
                chain(files.get((int) ranges.get(fileStart)[0]), ranges.subList(fileStart, fileEnd), runs.subList(fileStart, fileEnd), counts, firsts, fileStart, dialect, followed);
            }
            fileStart = fileEnd;
        }
        List<Split> out = new ArrayList<>();
        long record = 0;
        for (int i = 0; i < ranges.size(); i++) {
            long[] r = ranges.get(i);
            int f = (int) r[0];
            if (r[1] == 0) {
                record = 0;
            }
            out.add(new Split("csv-" + f + "-" + (r[1] / splitBytes), f, files.get(f).path(), r[1], r[2], r[3], record, counts[i], firsts[i]));
            record += counts[i];
        }
        return new CsvSplits(out, dialect, followed[0]);
    }

    private static boolean compressed(List<DatasetInput.InputFile> files, long[] range) {
        return InputFormat.isCompressed(files.get((int) range[0]).name());
    }

    /**
     * One file's ranges from its start: each range's run from the state the previous one ended in.
     * Where two record starts may lie more than the record limit apart, the file is read record by
     * record from the last start before them (the guard may cut that record), up to the first range
     * whose first record begins where one of its runs begins: from a record start every run goes on
     * alike, so the chain resumes with that run.
     */
    private static void chain(DatasetInput.InputFile file, List<long[]> ranges, List<CsvRecords.Run[]> runs, long[] counts, long[] firsts, int base,
            CsvDialect dialect, long[] followed) throws IOException {
        int state = CsvRecords.FIELD_START;
        long lastStart = 0;
        int k = 0;
        while (k < ranges.size()) {
            CsvRecords.Run run = runs.get(k)[state];
            long rangeEnd = ranges.get(k)[1] + ranges.get(k)[2];
            long gap = run.count > 0 ? run.first - lastStart : rangeEnd - lastStart;
            if (gap > dialect.maxRecordBytes() || run.maxGap > dialect.maxRecordBytes()) {
                Resume r = followRecords(file, ranges, runs, k, lastStart, counts, firsts, base, dialect, followed);
                if (r == null) {
                    return; // read to the end of the file
                }
                lastStart = r.run().last;
                state = r.run().end;
                k = r.range() + 1;
                continue;
            }
            counts[base + k] = run.count;
            firsts[base + k] = run.first;
            if (run.count > 0) {
                lastStart = run.last;
            }
            state = run.end;
            k++;
        }
        if (ranges.get(0)[3] - lastStart > dialect.maxRecordBytes()) {
            followRecords(file, ranges, runs, ranges.size(), lastStart, counts, firsts, base, dialect, followed); // the file's last record
        }
    }

    /** Where {@link #followRecords} hands back to the runs: range {@code range} is counted by {@code run}. */
    private record Resume(int range, CsvRecords.Run run) {}

    /**
     * Reads the file record by record from {@code from} (the last record start so far) and adds the
     * records beginning after it to their ranges (ranges k.. counted afresh), until a range k or later
     * begins its first record where one of its runs does (with no record in it past the limit): that
     * range is counted by the run, which is returned. Null when the file ends first.
     */
    private static Resume followRecords(DatasetInput.InputFile file, List<long[]> ranges, List<CsvRecords.Run[]> runs, int k, long from,
            long[] counts, long[] firsts, int base, CsvDialect dialect, long[] followed) throws IOException {
        for (int j = k; j < ranges.size(); j++) {
            counts[base + j] = 0;
            firsts[base + j] = -1;
        }
        int j = 0;
        long s = from; // counted again only when its range is counted afresh
        try (CsvRecords.Reader reader = CsvRecords.Reader.open(new Path(file.path()), from, dialect)) {
            do {
                while (s >= ranges.get(j)[1] + ranges.get(j)[2]) {
                    j++;
                }
                if ((s > from || j >= k) && counts[base + j]++ == 0) {
                    firsts[base + j] = s;
                    if (j >= k) {
                        for (CsvRecords.Run run : runs.get(j)) {
                            if (run.first == s && run.maxGap <= dialect.maxRecordBytes()) {
                                counts[base + j] = run.count;
                                return new Resume(j, run);
                            }
                        }
                    }
                }
                if (!reader.next()) {
                    break;
                }
                followed[0]++;
                s = reader.position();
            } while (s < ranges.get(0)[3]); // no record begins at the end of the file
        }
        return null;
    }

    /** Hands FileSource exactly these splits (its own enumerators split local files by block only). */
    public FileEnumerator.Provider enumerator() {
        return FixedSplits.of(splits);
    }
}
