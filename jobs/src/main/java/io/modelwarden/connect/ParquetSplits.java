package io.modelwarden.connect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;

/**
 * The byte-range splits of a scan's Parquet files, cut from the files' sizes alone: no footer is read
 * here (the client reads each one once, before the first pass, for the same-columns check). A split
 * owns the row groups that <em>start</em> in its
 * range; its reader takes their positions from the footer, which it reads anyway, by adding up the
 * row counts of the groups before them ({@link ParquetSplitFormat}). A row group is the smallest unit
 * a Parquet file can be read in without decoding what comes before it: writers make them about 128 MB
 * (500,000 rows of 30 doubles), so a large file is read by as many tasks as it has groups, and a
 * range in which no group starts reads nothing.
 */
public final class ParquetSplits implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One byte range of one file. */
    public record Split(String id, int fileIndex, String path, long offset, long length, long fileSize) implements Serializable, FixedSplits.Range {}

    private final List<Split> splits;

    private ParquetSplits(List<Split> splits) {
        this.splits = List.copyOf(splits);
    }

    public List<Split> splits() {
        return splits;
    }

    /** Cuts every file into ranges of splitBytes (the last one shorter; a smaller file is one range). */
    public static ParquetSplits of(List<DatasetInput.InputFile> files, long splitBytes) {
        if (splitBytes <= 0) {
            throw new IllegalArgumentException("split size must be positive: " + splitBytes);
        }
        List<Split> out = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            DatasetInput.InputFile file = files.get(f);
            long size = file.bytes();
            long offset = 0;
            int k = 0;
            do {
                out.add(new Split("parquet-" + f + "-" + k++, f, file.path(), offset, Math.max(1, Math.min(splitBytes, size - offset)), size));
                offset += splitBytes;
            } while (offset < size);
        }
        return new ParquetSplits(out);
    }

    /** Hands FileSource exactly these splits. */
    public FileEnumerator.Provider enumerator() {
        return FixedSplits.of(splits);
    }
}
