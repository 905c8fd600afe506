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
 * large group would otherwise be scored by one task whatever the parallelism, and a few large ones by
 * a few. So when it evens out the tasks' work, large groups are cut into slices ({@link #of(List, List,
 * int)}). The reader of a slice drops the pages before its start undecoded where it decodes pages
 * itself, and skips the values before it otherwise ({@link ParquetSplitFormat}).
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
     * The splits of these files at this parallelism, largest last (the order FileSource's {@code
     * SimpleSplitAssigner} hands them out in reverse, so the largest go first). Of four plans, the one
     * whose busiest task has the least work when the splits go largest first to whichever task is free
     * (a skipped row counted as {@link #SKIP_COST} of a read one): runs of {@link #targetRows} with
     * every group whole, or, for k = 1, 2 and 4, runs and slices of total / (k x parallelism) rows.
     * Many groups keep the first; one or a few large ones are sliced.
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
        ParquetSplits best = of(files, groups, targetRows(total, tasks), Long.MAX_VALUE, 1);
        double bestLoad = best.busiestTask(groups, tasks);
        for (int k : new int[] {1, 2, 4}) {
            long target = Math.max(MIN_SPLIT_ROWS, (total + (long) k * tasks - 1) / ((long) k * tasks));
            ParquetSplits plan = of(files, groups, target, target, k * tasks);
            double load = plan.busiestTask(groups, tasks);
            if (load < 0.98 * bestLoad) { // a clear gain only: fewer slices skip fewer rows
                best = plan;
                bestLoad = load;
            }
        }
        List<Split> ordered = new ArrayList<>(best.splits);
        ordered.sort(java.util.Comparator.comparingDouble(sp -> work(sp, groups)));
        return new ParquetSplits(ordered);
    }

    /**
     * Relative cost of a row a slice's reader skips, against one it reads and scores: an upper bound,
     * 0.5 us per row of 30 doubles through Parquet's column readers (0.1 us where pages are dropped
     * undecoded) against about 13 us per row read and scored on the benchmark machine.
     */
    static final double SKIP_COST = 0.04;

    /** A split's rows, plus the rows its reader skips at {@link #SKIP_COST}. */
    static double work(Split s, List<List<DatasetInput.RowGroup>> groups) {
        List<DatasetInput.RowGroup> file = groups.get(s.fileIndex());
        long rows = 0;
        for (int g = s.firstGroup(); g < s.firstGroup() + s.groups(); g++) {
            rows += file.get(g).rows();
        }
        long from = rows * s.slice() / s.slices();
        long to = rows * (s.slice() + 1) / s.slices();
        return (to - from) + SKIP_COST * from;
    }

    /** The busiest task's work when the splits go, largest first, to whichever task has the least so far. */
    double busiestTask(List<List<DatasetInput.RowGroup>> groups, int tasks) {
        double[] work = new double[splits.size()];
        for (int i = 0; i < work.length; i++) {
            work[i] = work(splits.get(i), groups);
        }
        java.util.Arrays.sort(work);
        double[] load = new double[tasks];
        for (int i = work.length - 1; i >= 0; i--) {
            int least = 0;
            for (int t = 1; t < tasks; t++) {
                if (load[t] < load[least]) {
                    least = t;
                }
            }
            load[least] += work[i];
        }
        double busiest = 0;
        for (double l : load) {
            busiest = Math.max(busiest, l);
        }
        return busiest;
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
