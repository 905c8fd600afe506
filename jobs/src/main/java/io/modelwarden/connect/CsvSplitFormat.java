package io.modelwarden.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.ArrayResultIterator;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads the byte-range splits of {@link CsvSplits} in parallel: each reader starts at the first line
 * beginning in its split, reads through the line that crosses its end, and numbers its lines from the
 * split's first line number, so a row's {@link RawRecord#rowIndex} is its position in the whole file
 * (line 0, the header, is skipped). Lines are decoded as UTF-8, as {@code TextLineInputFormat} does.
 */
public final class CsvSplitFormat extends FixedSplitFormat<CsvSplits.Split> {
    private static final long serialVersionUID = 1L;
    static final int BATCH = 1024;

    public CsvSplitFormat(CsvSplits splits) {
        super(splits.splits());
    }

    @Override
    Reader<RawRecord> open(CsvSplits.Split s, FileSourceSplit split) throws IOException {
        // Its line numbers come from the table, so a split read again numbers its lines as before.
        FSDataInputStream in = split.path().getFileSystem().open(split.path());
        return new SplitReader(in, s);
    }

    /** Reads the lines that begin in one split. */
    static final class SplitReader implements Reader<RawRecord> {
        private final LineReader lines;
        private final int fileIndex;
        private final long end;
        private long lineNo;
        private boolean done;

        SplitReader(FSDataInputStream in, CsvSplits.Split s) throws IOException {
            this.lines = new LineReader(in, s.offset());
            this.fileIndex = s.fileIndex();
            this.end = s.offset() + s.length();
            this.lineNo = s.firstLine();
            lines.skipToLineStart();
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            if (done) {
                return null;
            }
            RawRecord[] batch = new RawRecord[BATCH];
            int n = 0;
            while (n < BATCH) {
                if (lines.position() >= end) {
                    done = true;
                    break;
                }
                String line = lines.readLine();
                if (line == null) {
                    done = true;
                    break;
                }
                long no = lineNo++;
                if (no > 0) { // line 0 is the header; data rows count from 0 after it
                    batch[n++] = RawRecord.line(fileIndex, no - 1, line);
                }
            }
            if (n == 0 && done) {
                return null;
            }
            int count = n;
            ArrayResultIterator<RawRecord> records = new ArrayResultIterator<>();
            records.set(batch, count, CheckpointedPosition.NO_OFFSET, 0L);
            return records;
        }

        @Override
        public void close() throws IOException {
            lines.close();
        }
    }

    /**
     * Lines of a byte stream as {@link java.io.BufferedReader#readLine} cuts them (LF, CR or CR LF
     * ends a line; a last line without an ending still counts), with the byte position of each.
     */
    static final class LineReader {
        private final FSDataInputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int lim;
        /** File position of buf[pos]. */
        private long position;
        private byte[] carry = new byte[256];

        LineReader(FSDataInputStream in, long offset) throws IOException {
            this.in = in;
            long from = Math.max(0, offset - 1);
            if (from > 0) {
                in.seek(from);
            }
            this.position = from;
            this.offset = offset;
        }

        private final long offset;

        long position() {
            return position;
        }

        /** Moves to the first line beginning at or after the split's offset. */
        void skipToLineStart() throws IOException {
            if (offset == 0) {
                return;
            }
            int prev = read(); // the byte before the offset
            if (prev < 0 || prev == '\n') {
                return;
            }
            if (prev == '\r') {
                if (peek() == '\n') {
                    read();
                }
                return;
            }
            readLine(); // the rest of a line that began in the previous split
        }

        private boolean fill() throws IOException {
            if (pos < lim) {
                return true;
            }
            int r = in.read(buf, 0, buf.length);
            pos = 0;
            lim = Math.max(r, 0);
            return r > 0;
        }

        private int read() throws IOException {
            if (!fill()) {
                return -1;
            }
            position++;
            return buf[pos++] & 0xff;
        }

        private int peek() throws IOException {
            if (!fill()) {
                return -1;
            }
            return buf[pos] & 0xff;
        }

        /** The next line without its ending, or null at the end of the file. */
        String readLine() throws IOException {
            if (!fill()) {
                return null;
            }
            int carried = 0;
            while (true) {
                int start = pos;
                int i = start;
                int b = 0;
                while (i < lim) {
                    b = buf[i];
                    if (b == '\n' || b == '\r') {
                        break;
                    }
                    i++;
                }
                if (i < lim) {
                    String line;
                    if (carried == 0) {
                        line = new String(buf, start, i - start, StandardCharsets.UTF_8);
                    } else {
                        append(carried, start, i - start);
                        carried += i - start;
                        line = new String(carry, 0, carried, StandardCharsets.UTF_8);
                    }
                    position += i + 1 - start;
                    pos = i + 1;
                    if (b == '\r' && peek() == '\n') {
                        pos++;
                        position++;
                    }
                    return line;
                }
                // No line ending in the buffer: keep what it has and read on.
                append(carried, start, lim - start);
                carried += lim - start;
                position += lim - start;
                pos = lim;
                if (!fill()) {
                    return new String(carry, 0, carried, StandardCharsets.UTF_8);
                }
            }
        }

        private void append(int carried, int from, int n) {
            if (carried + n > carry.length) {
                carry = java.util.Arrays.copyOf(carry, Math.max(carry.length * 2, carried + n));
            }
            System.arraycopy(buf, from, carry, carried, n);
        }

        void close() throws IOException {
            in.close();
        }
    }
}
