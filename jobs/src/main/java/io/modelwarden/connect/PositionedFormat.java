package io.modelwarden.connect;

import java.io.IOException;
import java.io.Serializable;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.connector.file.src.util.MutableRecordAndPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;

/**
 * Reads whole files with a non-splittable {@link StreamFormat} and turns each record into a {@link
 * RawRecord} that knows its file and its position in it: Flink's stream formats see neither, and
 * the scan needs both for row ids and findings.
 *
 * @param <T> what the wrapped format produces (a text line, an Avro record)
 */
public final class PositionedFormat<T> implements BulkFormat<RawRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    /** Turns the n-th record of a file into a RawRecord; returns null to skip it (a CSV header). */
    @FunctionalInterface
    public interface Converter<T> extends Serializable {
        RawRecord convert(T record, int fileIndex, long position);
    }

    private final StreamFormatAdapter<T> inner;
    private final Converter<T> converter;
    /** File path (as the split reports it) to file index. */
    private final Map<String, Integer> fileIndexes;

    public PositionedFormat(StreamFormat<T> format, Converter<T> converter, Map<String, Integer> fileIndexes) {
        if (format.isSplittable()) {
            throw new IllegalArgumentException("positions need whole files: the format must not be splittable");
        }
        this.inner = new StreamFormatAdapter<>(format);
        this.converter = converter;
        this.fileIndexes = Map.copyOf(fileIndexes);
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return new PositionReader<>(inner.createReader(config, split), converter, indexOf(split));
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        // Batch scans restart a failed split from its start; positions then count from zero again.
        return new PositionReader<>(inner.createReader(config, split.updateWithCheckpointedPosition(null)), converter, indexOf(split));
    }

    private int indexOf(FileSourceSplit split) {
        Integer index = fileIndexes.get(split.path().toUri().toString());
        if (index == null) {
            index = fileIndexes.get(split.path().getPath());
        }
        if (index == null) {
            throw new IllegalStateException("split of an unknown file: " + split.path());
        }
        return index;
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    private static final class PositionReader<T> implements Reader<RawRecord> {
        private final Reader<T> reader;
        private final Converter<T> converter;
        private final int fileIndex;
        private long position;

        PositionReader(Reader<T> reader, Converter<T> converter, int fileIndex) {
            this.reader = reader;
            this.converter = converter;
            this.fileIndex = fileIndex;
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            RecordIterator<T> batch = reader.readBatch();
            if (batch == null) {
                return null;
            }
            return new RecordIterator<>() {
                private final MutableRecordAndPosition<RawRecord> out = new MutableRecordAndPosition<>();

                @Override
                public RecordAndPosition<RawRecord> next() {
                    RecordAndPosition<T> next;
                    while ((next = batch.next()) != null) {
                        RawRecord converted = converter.convert(next.getRecord(), fileIndex, position++);
                        if (converted != null) {
                            out.set(converted, next.getOffset(), next.getRecordSkipCount());
                            return out;
                        }
                    }
                    return null;
                }

                @Override
                public void releaseBatch() {
                    batch.releaseBatch();
                }
            };
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
