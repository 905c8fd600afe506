package io.modelwarden.connect;

import io.modelwarden.config.ConfigException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;

/**
 * The row groups of a scan's Parquet files, each a split of its own with the position of its first
 * row in its file, so that readers running in parallel give every row its exact position (as the CSV
 * splits do, {@link CsvSplits}). Taken from the files' footers, once per pass. A row group is the
 * smallest unit a Parquet file can be read in without decoding what comes before it; writers make them
 * about 128 MB (500,000 rows of 30 doubles), so a large file is read by as many tasks as it has groups.
 */
public final class ParquetSplits implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One row group: file index, path, the group's index in its file, its byte range, and its rows. */
    public record Split(String id, int fileIndex, String path, int rowGroup, long offset, long length, long fileSize, long firstRow, long rows)
            implements Serializable {}

    private final List<Split> splits;

    private ParquetSplits(List<Split> splits) {
        this.splits = List.copyOf(splits);
    }

    public List<Split> splits() {
        return splits;
    }

    /** Reads every file's footer; a file that is not Parquet stops the scan (exit code 2). */
    public static ParquetSplits of(List<DatasetInput.InputFile> files) {
        List<Split> out = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            DatasetInput.InputFile file = files.get(f);
            try (ParquetFileReader reader = ParquetFileReader.open(new FlinkInputFile(new Path(file.path())))) {
                long row = 0;
                List<BlockMetaData> groups = reader.getFooter().getBlocks();
                for (int g = 0; g < groups.size(); g++) {
                    BlockMetaData b = groups.get(g);
                    out.add(new Split("parquet-" + f + "-" + g, f, file.path(), g, b.getStartingPos(), Math.max(1, b.getCompressedSize()),
                            file.bytes(), row, b.getRowCount()));
                    row += b.getRowCount();
                }
            } catch (IOException | RuntimeException e) {
                throw new ConfigException("--input: " + file.path() + " is not a readable Parquet file: " + e.getMessage());
            }
        }
        return new ParquetSplits(out);
    }

    /** Hands FileSource exactly these splits. */
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
