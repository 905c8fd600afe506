package io.modelwarden.connect;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;

/**
 * A reader format for the splits a scan computed itself ({@link FixedSplits}): FileSource hands each
 * reader a split of that table, which the format looks up by id, and a failed split is read again
 * from its start (batch scans keep no position within a split).
 */
abstract class FixedSplitFormat<S extends FixedSplits.Range> implements BulkFormat<RawRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, S> byId = new HashMap<>();

    FixedSplitFormat(List<S> splits) {
        for (S s : splits) {
            byId.put(s.id(), s);
        }
    }

    /** A reader of one split of the table; {@code split} is Flink's description of it. */
    abstract Reader<RawRecord> open(S range, FileSourceSplit split) throws IOException;

    @Override
    public final Reader<RawRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        S s = byId.get(split.splitId());
        if (s == null || s.offset() != split.offset() || s.length() != split.length()) {
            throw new IllegalStateException("a split not in the split table: " + split);
        }
        return open(s, split);
    }

    @Override
    public final Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        return createReader(config, split);
    }

    @Override
    public final boolean isSplittable() {
        return true;
    }

    @Override
    public final TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
