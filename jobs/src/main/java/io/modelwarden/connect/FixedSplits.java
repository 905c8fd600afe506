package io.modelwarden.connect;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.core.fs.Path;

/**
 * Hands FileSource exactly the splits a scan computed ({@link CsvSplits}, {@link ParquetSplits}): its
 * own enumerators split local files by block only, and the readers look their splits up by id.
 */
final class FixedSplits {
    private FixedSplits() {}

    /** A byte range of one file, as both kinds of split describe it. */
    interface Range {
        String id();

        String path();

        long offset();

        long length();

        long fileSize();
    }

    static FileEnumerator.Provider of(List<? extends Range> ranges) {
        List<FileSourceSplit> splits = new ArrayList<>();
        for (Range r : ranges) {
            splits.add(new FileSourceSplit(r.id(), new Path(r.path()), r.offset(), r.length(), 0L, r.fileSize()));
        }
        List<FileSourceSplit> fixed = List.copyOf(splits);
        return () -> (paths, minDesiredSplits) -> new ArrayList<>(fixed);
    }
}
