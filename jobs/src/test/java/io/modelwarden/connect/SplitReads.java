package io.modelwarden.connect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;

/** Reads a scan's own splits as FileSource's readers would, one after another, for the split format tests. */
final class SplitReads {
    private SplitReads() {}

    /** The splits the enumerator hands FileSource, in its order or reversed (positions must not depend on the order). */
    static List<FileSourceSplit> splits(FileEnumerator.Provider enumerator, boolean reversed) throws Exception {
        List<FileSourceSplit> out = new ArrayList<>(enumerator.create().enumerateSplits(new org.apache.flink.core.fs.Path[0], 1));
        if (reversed) {
            Collections.reverse(out);
        }
        return out;
    }

    /** Every record of the splits, in read order; {@code afterBatch} sees each reader after each batch it gave. */
    static List<RawRecord> read(BulkFormat<RawRecord, FileSourceSplit> format, List<FileSourceSplit> splits,
            Consumer<BulkFormat.Reader<RawRecord>> afterBatch) throws Exception {
        List<RawRecord> out = new ArrayList<>();
        for (FileSourceSplit s : splits) {
            BulkFormat.Reader<RawRecord> reader = format.createReader(new Configuration(), s);
            try {
                BulkFormat.RecordIterator<RawRecord> batch;
                while ((batch = reader.readBatch()) != null) {
                    afterBatch.accept(reader);
                    RecordAndPosition<RawRecord> r;
                    while ((r = batch.next()) != null) {
                        out.add(r.getRecord());
                    }
                    batch.releaseBatch();
                }
            } finally {
                reader.close();
            }
        }
        return out;
    }

    static List<RawRecord> read(BulkFormat<RawRecord, FileSourceSplit> format, List<FileSourceSplit> splits) throws Exception {
        return read(format, splits, reader -> {});
    }
}
