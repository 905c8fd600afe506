package io.modelwarden.connect;

import java.io.IOException;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;

/**
 * Reads the byte-range splits of {@link CsvSplits} in parallel: each reader starts at the first
 * record beginning in its split (the table knows where), reads the records that begin in it (the last
 * may cross its end), and numbers them from the split's first record number, so a row's {@link
 * RawRecord#rowIndex} is its position in the whole file (record 0, the header, is skipped). Records
 * are decoded as UTF-8; a quoted field may span lines ({@link CsvRecords}).
 */
public final class CsvSplitFormat extends FixedSplitFormat<CsvSplits.Split> {
    private static final long serialVersionUID = 1L;
    static final int BATCH = 1024;
    private final CsvDialect dialect;

    public CsvSplitFormat(CsvSplits splits) {
        super(splits.splits());
        this.dialect = splits.dialect();
    }

    @Override
    Reader<RawRecord> open(CsvSplits.Split s, FileSourceSplit split) throws IOException {
        // Its record numbers come from the table, so a split read again numbers its records as before.
        if (s.records() == 0) {
            return new SplitReader(null, s);
        }
        return new SplitReader(CsvRecords.Reader.open(split.path(), s.firstRecordStart(), dialect), s);
    }

    /** Reads the records that begin in one split. */
    static final class SplitReader implements Reader<RawRecord> {
        private final CsvRecords.Reader records;
        private final String path;
        private final int fileIndex;
        private long next;
        private long end;

        SplitReader(CsvRecords.Reader records, CsvSplits.Split s) {
            this.records = records;
            this.path = s.path();
            this.fileIndex = s.fileIndex();
            this.next = s.firstRecord();
            this.end = s.records() == CsvSplits.ALL ? Long.MAX_VALUE : s.firstRecord() + s.records();
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            RawRecord[] batch = new RawRecord[BATCH];
            int n = 0;
            while (n < BATCH && next < end) {
                if (!nextRecord()) {
                    if (end == Long.MAX_VALUE) {
                        end = next; // a compressed file, read to its end
                        break;
                    }
                    throw new IOException(path + ": the file ended before record " + next + " (it changed after the scan began?)");
                }
                long no = next++;
                if (no > 0) { // record 0 is the header; data rows count from 0 after it
                    batch[n++] = RawRecord.line(fileIndex, no - 1, records.text());
                }
            }
            if (n == 0) {
                return null;
            }
            ArrayResultIterator<RawRecord> out = new ArrayResultIterator<>();
            out.set(batch, n, CheckpointedPosition.NO_OFFSET, 0L);
            return out;
        }

        /** The next record; a read error (a truncated or corrupt compressed file) names the file and the record. */
        private boolean nextRecord() throws IOException {
            try {
                return records.next();
            } catch (IOException e) {
                IOException named = new IOException(path + ": cannot read record " + next + ": " + e.getMessage());
                named.addSuppressed(e); // the CLI's one line shows the innermost cause: this one
                throw named;
            }
        }

        @Override
        public void close() throws IOException {
            if (records != null) {
                records.close();
            }
        }
    }
}
