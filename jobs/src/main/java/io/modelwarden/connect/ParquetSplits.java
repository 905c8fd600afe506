package io.modelwarden.connect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;

/**
 * The splits of a scan's Parquet files, cut from the footers the client read when it opened the input
 * (for the same-columns check): each split is a run of whole row groups of one file, or one slice of a
 * single large row group, and aims at {@link #targetRows} rows. A row group is the smallest unit a
 * Parquet file can be read in without decoding what comes before it, and writers size them very
 * differently: Spark about 128 MB (500,000 rows of 30 doubles), DuckDB 122,880 rows, pandas and
 * pyarrow up to 1,048,576 rows (64 Mi rows before pyarrow 15: often the whole file). A file of one
 * large group would otherwise be scored by one task whatever the parallelism. So a group of more than
 * an even share of the rows (total / parallelism) is cut into slices of about {@link #targetRows}, at
 * most as many as there are tasks. The reader of a slice decodes its group's pages up to the slice's
 * end and skips the rows before its start (no value is converted; see {@link ParquetSplitFormat}), so a
 * task skips about half a group at most; groups no larger than an even share are read whole.
 */
public final class ParquetSplits implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Fewer rows than this are not worth a split of their own (nor a slice), whatever the parallelism. */
    static final long MIN_SPLIT_ROWS = 65_536;

    /**
     * Row groups [firstGroup, firstGroup + groups) of one file; when {@code slices} is more than 1, the
     * split is slice {@code slice} of the single group {@code firstGroup}: its rows [rows x slice /
     * slices, rows x (slice + 1) / slices). Offset and length are the groups' bytes (for Flink's
     * bookkeeping; the reader looks its split up by id).
     */
    public record Split(String id, int fileIndex, String path, long offset, long length, long fileSize,
            int firstGroup, int groups, int slice, int slices) implements Serializable, FixedSplits.Range {}

    private final List<Split> splits;

    private ParquetSplits(List<Split> splits) {
        this.splits = List.copyOf(splits);
    }

    public List<Split> splits() {
        return splits;
    }

    /**
     * Rows a split aims at: half an even share of the rows per task (so a task that finishes early
     * takes over part of a slower one's work), at least {@link #MIN_SPLIT_ROWS}.
     */
    public static long targetRows(long totalRows, int parallelism) {
        long tasks = Math.max(1, parallelism);
        return Math.max(MIN_SPLIT_ROWS, (totalRows + 2 * tasks - 1) / (2 * tasks));
    }

    /**
     * The splits of these files at this parallelism: runs of {@link #targetRows}, groups of more than
     * total / parallelism rows cut into at most parallelism slices.
     *
     * @param groups every file's row groups, in file order (as {@link DatasetInput#rowGroups()})
     */
    public static ParquetSplits of(List<DatasetInput.InputFile> files, List<List<DatasetInput.RowGroup>> groups, int parallelism) {
        int tasks = Math.max(1, parallelism);
        long total = 0;
        for (List<DatasetInput.RowGroup> file : groups) {
            for (DatasetInput.RowGroup g : file) {
                total += g.rows();
            }
        }
        return of(files, groups, targetRows(total, tasks), Math.max(MIN_SPLIT_ROWS, total / tasks), tasks);
    }

    /**
     * Consecutive row groups of a file make one split until it holds targetRows; a group of more than
     * sliceAbove rows is cut into ceil(rows / targetRows) slices, at most {@code maxSlices}, and a
     * group between the two is a split of its own. Every row of every group is in exactly one split. A
     * file without row groups (no rows) has no split.
     */
    static ParquetSplits of(List<DatasetInput.InputFile> files, List<List<DatasetInput.RowGroup>> groups, long targetRows, long sliceAbove, int maxSlices) {
        if (targetRows <= 0 || sliceAbove <= 0 || maxSlices <= 0) {
            throw new IllegalArgumentException("target rows, slice threshold and slices must be positive: " + targetRows + ", " + sliceAbove + ", " + maxSlices);
        }
        List<Split> out = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            DatasetInput.InputFile file = files.get(f);
            List<DatasetInput.RowGroup> fileGroups = groups.get(f);
            int runStart = 0;
            long runRows = 0;
            for (int g = 0; g < fileGroups.size(); g++) {
                long rows = fileGroups.get(g).rows();
                if (rows > targetRows) {
                    addRun(out, f, file, fileGroups, runStart, g);
                    int slices = rows <= sliceAbove ? 1 : (int) Math.min(maxSlices, (rows + targetRows - 1) / targetRows);
                    for (int k = 0; k < slices; k++) {
                        out.add(split(f, file, fileGroups, g, 1, k, slices));
                    }
                    runStart = g + 1;
                    runRows = 0;
                    continue;
                }
                if (runRows > 0 && runRows + rows > targetRows) {
                    addRun(out, f, file, fileGroups, runStart, g);
                    runStart = g;
                    runRows = 0;
                }
                runRows += rows;
            }
            addRun(out, f, file, fileGroups, runStart, fileGroups.size());
        }
        return new ParquetSplits(out);
    }

    private static void addRun(List<Split> out, int f, DatasetInput.InputFile file, List<DatasetInput.RowGroup> groups, int from, int to) {
        if (to > from) {
            out.add(split(f, file, groups, from, to - from, 0, 1));
        }
    }

    private static Split split(int f, DatasetInput.InputFile file, List<DatasetInput.RowGroup> groups, int first, int count, int slice, int slices) {
        long offset = groups.get(first).offset();
        DatasetInput.RowGroup last = groups.get(first + count - 1);
        long length = Math.max(1, last.offset() + last.bytes() - offset);
        String id = "parquet-" + f + "-" + first + (slices > 1 ? "-" + slice + "of" + slices : "");
        return new Split(id, f, file.path(), offset, length, file.bytes(), first, count, slice, slices);
    }

    /** Hands FileSource exactly these splits. */
    public FileEnumerator.Provider enumerator() {
        return FixedSplits.of(splits);
    }
}
