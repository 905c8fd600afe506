package io.modelwarden.connect;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.apache.flink.api.common.io.compression.GzipInflaterInputStreamFactory;
import org.apache.flink.api.common.io.compression.InflaterInputStreamFactory;
import org.apache.flink.connector.file.src.compression.StandardDeCompressors;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;

/**
 * Where the records of a CSV file begin, as RFC 4180 has them: a record ends at a line end (LF, CR or
 * CR LF) outside quotes, so a quoted field ({@code "..."}, {@code ""} for a quote) may span lines. A
 * quote opens a field only at the field's start; elsewhere it is an ordinary character, as {@link
 * CsvSplitter} reads it. Three states follow a file byte by byte:
 *
 * <ul>
 *   <li>{@link #FIELD_START}: at the start of a field (after a delimiter or a line end), or just
 *       after a quote that closed a quoted field (the two behave alike: a quote then opens, or
 *       continues, a quoted field; a delimiter or line end ends the field);
 *   <li>{@link #IN_FIELD}: inside an unquoted field, or after a closed quoted field's junk;
 *   <li>{@link #QUOTED}: inside quotes, where delimiters and line ends are text.
 * </ul>
 *
 * A byte range read in parallel does not know the state at its start, so {@link #scanRange} follows
 * it from each of the three and the client chains the ranges of a file (see {@link CsvSplits}).
 *
 * <p><b>A stray quote</b> (a field that opens a quote and never closes it) would make the rest of
 * the file one record. A record that spans lines and runs past {@link CsvDialect#maxRecordBytes()}
 * is therefore cut at its first line end (its parser then rejects it: a quote not closed), and the
 * next record begins on the next line. Whether a record is cut depends on that record alone, so
 * every reader that starts at a record start agrees.
 */
public final class CsvRecords {
    static final int FIELD_START = 0;
    static final int IN_FIELD = 1;
    static final int QUOTED = 2;
    static final int STATES = 3;

    private CsvRecords() {}

    /** What one byte range does, begun in one state: the record starts in it and the state at its end. */
    static final class Run {
        /** The state before the range's last preceding byte (what the next range begins in). */
        int end;
        long count;
        /** Positions of the first and last record start in the range; -1 when there is none. */
        long first = -1;
        long last = -1;
        /**
         * The largest distance between two consecutive record starts in the range, when it is 64 or
         * more (a smaller largest distance may read as less; 0 with fewer than two starts). The client
         * only compares it with the record limit.
         */
        long maxGap;

        /** Same state and same starts so far: the two runs go on alike. */
        private boolean sameAs(Run o) {
            return end == o.end && count == o.count && first == o.first && last == o.last && maxGap == o.maxGap;
        }

        private void copy(Run o) {
            end = o.end;
            count = o.count;
            first = o.first;
            last = o.last;
            maxGap = o.maxGap;
        }

        private void starts(long firstPos, int n, long lastPos) {
            if (count == 0) {
                first = firstPos;
            } else {
                maxGap = Math.max(maxGap, firstPos - last);
            }
            count += n;
            last = lastPos;
        }
    }

    /**
     * The record starts p in [offset, offset + length) of a file, for each state the range may begin
     * in (indexed by state; the state is the one before byte offset - 1, which decides whether offset
     * itself begins a record). Position 0 begins the first record. Stretches without quotes or CRs
     * go 64 bytes at a time (SWAR, see {@link #matches}).
     */
    static Run[] scanRange(Path path, long offset, long length, char delimiter) throws IOException {
        Run[] runs = new Run[STATES];
        for (int s = 0; s < STATES; s++) {
            runs[s] = new Run();
            runs[s].end = s;
        }
        if (length <= 0) {
            return runs;
        }
        long end = offset + length;
        byte[] buf = new byte[(1 << 20) + 1];
        // Runs that have met go on alike: only the first of them is followed (the two states outside
        // quotes usually meet at the first byte, the one inside quotes at the first quote).
        int[] same = {0, 1, 2};
        try (FSDataInputStream in = path.getFileSystem().open(path)) {
            long bufPos; // file position of buf[0]
            int skip = 0;
            if (offset == 0) {
                for (Run r : runs) {
                    r.starts(0, 1, 0);
                    r.end = FIELD_START;
                }
                bufPos = 0;
            } else {
                in.seek(offset - 1);
                bufPos = offset - 1;
            }
            if (bufPos < 3) {
                if (startsWithBom(in)) {
                    skip = (int) (3 - bufPos); // a UTF-8 byte order mark is no part of the first field
                }
                in.seek(bufPos);
            }
            Run[] live = runs;
            int have = 0;
            while (true) {
                int r = in.read(buf, have, (int) Math.min(buf.length - have, end - (bufPos + have)));
                if (r == 0) {
                    continue;
                }
                if (r > 0) {
                    have += r;
                }
                boolean last = r < 0 || bufPos + have >= end;
                // Each byte b[i] decides whether i + 1 begins a record (a CR looks at b[i + 1]):
                // b[have - 1] waits for the next read, or precedes the range's end.
                feed(live, buf, skip, have - 1, bufPos, (byte) delimiter);
                live = distinct(runs, same);
                skip = 0;
                if (last) {
                    break;
                }
                buf[0] = buf[have - 1];
                bufPos += have - 1;
                have = 1;
            }
        }
        for (int k = 0; k < STATES; k++) {
            if (same[k] != k) {
                runs[k].copy(runs[same[k]]);
            }
        }
        return runs;
    }

    /** Marks in same[k] the first run that run k has met; returns the runs still followed. */
    private static Run[] distinct(Run[] runs, int[] same) {
        int n = 0;
        for (int k = 0; k < STATES; k++) {
            if (same[k] == k) {
                for (int j = 0; j < k; j++) {
                    if (same[j] == j && runs[k].sameAs(runs[j])) {
                        same[k] = j;
                        break;
                    }
                }
            }
            if (same[k] == k) {
                n++;
            }
        }
        Run[] live = new Run[n];
        for (int k = 0, i = 0; k < STATES; k++) {
            if (same[k] == k) {
                live[i++] = runs[k];
            }
        }
        return live;
    }

    /** Whether the file begins with a UTF-8 byte order mark (reads its first bytes; seek back after). */
    private static boolean startsWithBom(FSDataInputStream in) throws IOException {
        in.seek(0);
        byte[] head = new byte[3];
        int n = 0;
        int r;
        while (n < 3 && (r = in.read(head, n, 3 - n)) > 0) {
            n += r;
        }
        return n == 3 && bomLength(head, 0) == 3;
    }

    /** 3 when b[i ..] begins with a UTF-8 byte order mark (b holds at least 3 bytes from i), else 0. */
    private static int bomLength(byte[] b, int i) {
        return b[i] == (byte) 0xEF && b[i + 1] == (byte) 0xBB && b[i + 2] == (byte) 0xBF ? 3 : 0;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LF = 0x0A0A0A0A0A0A0A0AL;
    private static final long CR = 0x0D0D0D0D0D0D0D0DL;
    private static final long QUOTE = 0x2222222222222222L;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /**
     * Follows b[from .. n-1] (b[n] exists) from each run's end state; bufPos is the file position of
     * b[0]. A 64-byte block without quotes or CRs is looked at once for all runs: inside quotes it
     * changes nothing, outside it its LFs begin records. Other blocks go a word at a time, and a word
     * with a quote or a CR byte by byte.
     */
    private static void feed(Run[] runs, byte[] b, int from, int n, long bufPos, byte delimiter) {
        int i = from;
        for (; i + 64 <= n; i += 64) {
            long special = 0;
            long lfs = 0;
            int firstLf = -1;
            int lastLf = -1;
            for (int k = i; k < i + 64; k += 8) {
                long w = (long) LONGS.get(b, k);
                special |= matches(w, QUOTE) | matches(w, CR);
                long lf = matches(w, LF);
                if (lf != 0) {
                    lfs += Long.bitCount(lf);
                    if (firstLf < 0) {
                        firstLf = k + (Long.numberOfTrailingZeros(lf) >>> 3);
                    }
                    lastLf = k + ((63 - Long.numberOfLeadingZeros(lf)) >>> 3);
                }
            }
            if (special == 0) {
                outside(runs, bufPos + firstLf + 1, (int) lfs, bufPos + lastLf + 1, afterByte(b[i + 63], delimiter));
                continue;
            }
            for (int k = i; k < i + 64; k += 8) {
                feedWord(runs, b, k, bufPos, delimiter);
            }
        }
        for (; i + 8 <= n; i += 8) {
            feedWord(runs, b, i, bufPos, delimiter);
        }
        byteByByte(runs, b, i, n, bufPos, delimiter);
    }

    /** The word b[i .. i+7] for each run: at once when it holds no quote or CR, else byte by byte. */
    private static void feedWord(Run[] runs, byte[] b, int i, long bufPos, byte delimiter) {
        long w = (long) LONGS.get(b, i);
        if (matches(w, QUOTE) == 0 && matches(w, CR) == 0) {
            long lf = matches(w, LF);
            long at = bufPos + i + 1;
            outside(runs, at + (Long.numberOfTrailingZeros(lf) >>> 3), Long.bitCount(lf), at + ((63 - Long.numberOfLeadingZeros(lf)) >>> 3),
                    afterByte(b[i + 7], delimiter));
            return;
        }
        byteByByte(runs, b, i, i + 8, bufPos, delimiter);
    }

    /**
     * A stretch without quotes or CRs: inside quotes it changes nothing; outside them its {@code count}
     * LFs (the first and last beginning records at the positions given) begin records, and the state
     * after it is {@code after}.
     */
    private static void outside(Run[] runs, long firstStart, int count, long lastStart, int after) {
        for (Run run : runs) {
            if (run.end != QUOTED) {
                if (count > 0) {
                    run.starts(firstStart, count, lastStart);
                }
                run.end = after;
            }
        }
    }

    /** The state outside quotes after a stretch without quotes or CRs whose last byte is {@code last}. */
    private static int afterByte(byte last, byte delimiter) {
        return last == delimiter || last == '\n' ? FIELD_START : IN_FIELD;
    }

    /** b[from .. to-1] one byte at a time, for each run. */
    private static void byteByByte(Run[] runs, byte[] b, int from, int to, long bufPos, byte delimiter) {
        for (Run run : runs) {
            int s = run.end;
            for (int k = from; k < to; k++) {
                s = step(run, s, b, k, bufPos, delimiter);
            }
            run.end = s;
        }
    }

    /** One byte b[i] in state s: the next state; a record start at i + 1 when b[i] ends a record. */
    private static int step(Run run, int s, byte[] b, int i, long bufPos, byte delimiter) {
        byte c = b[i];
        if (s == QUOTED) {
            return c == '"' ? FIELD_START : QUOTED;
        }
        if (c == '\n' || (c == '\r' && b[i + 1] != '\n')) {
            long at = bufPos + i + 1;
            run.starts(at, 1, at);
            return FIELD_START;
        }
        if (c == delimiter || c == '\r') {
            return FIELD_START; // a CR before LF: the LF ends the record
        }
        return c == '"' && s == FIELD_START ? QUOTED : IN_FIELD;
    }

    /** 0x80 in every byte of w equal to the pattern's byte, 0 elsewhere (exact: no false positives). */
    private static long matches(long w, long pattern) {
        long x = w ^ pattern; // zero bytes where w matches
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    /**
     * Reads records one after another from a record start: each record's text without its line end
     * (line ends inside quotes stay in it) and the position of the next.
     */
    public static final class Reader implements Closeable {
        private final InputStream in;
        private final byte delimiter;
        private final int maxRecordBytes;
        private byte[] buf = new byte[1 << 16];
        private int pos;
        private int lim;
        /** File position of buf[pos] (in the decompressed stream of a compressed file). */
        private long position;
        private byte[] rec = new byte[1024];
        private int recLen;
        /** The line end that ended the record last read (1 or 2 bytes; none at the end of the file). */
        private final byte[] ending = new byte[2];
        private int endingLen;
        private long start;

        /** @param in the file's bytes from {@code start}, a record start (0, or a position after a record's line end) */
        public Reader(InputStream in, long start, CsvDialect dialect) {
            this.in = in;
            this.delimiter = (byte) dialect.delimiter();
            this.maxRecordBytes = dialect.maxRecordBytes();
            this.position = start;
        }

        /**
         * Opens the file at a record start; a compressed file ({@link InputFormat#isCompressed}) is
         * decompressed, and read from its start only.
         */
        public static Reader open(Path path, long start, CsvDialect dialect) throws IOException {
            FSDataInputStream raw = path.getFileSystem().open(path);
            if (InputFormat.isCompressed(path.getName())) {
                if (start != 0) {
                    raw.close();
                    throw new IllegalArgumentException("a compressed file is read from its start, not from " + start);
                }
                // The decompressors Flink's file source uses, by file name. Gzip with a 64 KiB inflater buffer: the
                // factory's 512 bytes made a 1,000,000-row file's reading 25% slower (2.4 against 1.9 s).
                InflaterInputStreamFactory<?> factory = StandardDeCompressors.getDecompressorForFileName(path.getName());
                InputStream in = factory instanceof GzipInflaterInputStreamFactory
                        ? new GZIPInputStream(raw, 1 << 16)
                        : factory.create(new BufferedInputStream(raw, 1 << 16));
                return new Reader(in, 0, dialect);
            }
            if (start > 0) {
                raw.seek(start);
            }
            return new Reader(raw, start, dialect);
        }

        /** Where the next record begins (after {@link #next()}: after the record it read). */
        public long position() {
            return position;
        }

        /** The record last read, decoded as UTF-8. */
        public String text() {
            return new String(rec, 0, recLen, StandardCharsets.UTF_8);
        }

        /** Reads the next record; false at the end of the file. */
        public boolean next() throws IOException {
            start = position;
            recLen = 0;
            endingLen = 0;
            if (!fill()) {
                return false;
            }
            int s = FIELD_START;
            if (start == 0 && lim - pos >= 3 && bomLength(buf, pos) == 3) {
                append(pos, 3); // the byte order mark stays in the text (the header's reader drops it) but opens no field
                consume(3);
            }
            int firstLineLen = -1; // the record's length before its first line end inside quotes
            long firstLineNext = -1; // the file position after that line end
            boolean crFirst = false; // that line end is a CR (a CR LF when an LF follows it)
            while (true) {
                if (pos >= lim && !fill()) {
                    return cutIfLong(firstLineLen, firstLineNext); // the file ends the record
                }
                if (s != QUOTED) {
                    // Ordinary bytes and delimiters up to the next line end or quote.
                    int i = scanOutside(pos);
                    if (i > pos) {
                        s = buf[i - 1] == delimiter ? FIELD_START : IN_FIELD;
                        append(pos, i - pos);
                        consume(i - pos);
                    }
                    if (i >= lim) {
                        continue;
                    }
                    byte c = buf[i];
                    consume(1);
                    if (c == '"') {
                        append(i, 1);
                        s = s == FIELD_START ? QUOTED : IN_FIELD;
                        continue;
                    }
                    ending[0] = c;
                    endingLen = 1;
                    if (c == '\r' && peek() == '\n') {
                        ending[endingLen++] = '\n';
                        consume(1);
                    }
                    return cutIfLong(firstLineLen, firstLineNext); // a line end outside quotes ends the record
                }
                // Inside quotes: text up to the next quote; line ends are text.
                int i = pos;
                while (i < lim) {
                    byte c = buf[i];
                    if (c == '"') {
                        break;
                    }
                    if (c == '\n' || c == '\r') {
                        long at = position + (i - pos);
                        if (firstLineLen < 0) {
                            firstLineLen = recLen + (i - pos);
                            firstLineNext = at + 1;
                            crFirst = c == '\r';
                        } else if (crFirst && c == '\n' && at == firstLineNext) {
                            firstLineNext++;
                        }
                    }
                    i++;
                }
                append(pos, i - pos);
                consume(i - pos);
                if (i < lim) {
                    append(i, 1);
                    consume(1);
                    s = FIELD_START; // the quote closes the field, or escapes the next quote
                }
                // Already past the limit (once the byte after a first-line CR is known): no need to read on.
                if (firstLineLen >= 0 && recLen > maxRecordBytes && !(crFirst && position == firstLineNext)) {
                    return cutIfLong(firstLineLen, firstLineNext);
                }
            }
        }

        /**
         * A record longer than the limit with a line end inside quotes (most likely a stray quote) is
         * its first line; the next record begins after that line. Returns true (a record was read).
         */
        private boolean cutIfLong(int firstLineLen, long firstLineNext) {
            if (firstLineLen >= 0 && recLen > maxRecordBytes) {
                // The next record begins after the first line: its bytes, read already, are read again
                // (no seek: a compressed stream has none). rec holds every byte from the record's start.
                int from = (int) (firstLineNext - start);
                int tail = recLen - from;
                int rest = lim - pos;
                byte[] again = new byte[Math.max(1 << 16, tail + endingLen + rest)];
                System.arraycopy(rec, from, again, 0, tail);
                System.arraycopy(ending, 0, again, tail, endingLen);
                System.arraycopy(buf, pos, again, tail + endingLen, rest);
                buf = again;
                pos = 0;
                lim = tail + endingLen + rest;
                position = firstLineNext;
                recLen = firstLineLen;
                endingLen = 0;
            }
            return true;
        }

        /** The first position at or after i (below lim) holding LF, CR or a quote; lim when none. */
        private int scanOutside(int i) {
            for (; i + 8 <= lim; i += 8) {
                long w = (long) LONGS.get(buf, i);
                long m = matches(w, LF) | matches(w, CR) | matches(w, QUOTE);
                if (m != 0) {
                    return i + (Long.numberOfTrailingZeros(m) >>> 3);
                }
            }
            for (; i < lim; i++) {
                byte c = buf[i];
                if (c == '\n' || c == '\r' || c == '"') {
                    return i;
                }
            }
            return lim;
        }

        private void consume(int n) {
            pos += n;
            position += n;
        }

        private boolean fill() throws IOException {
            if (pos < lim) {
                return true;
            }
            if (buf.length > 1 << 16) {
                buf = new byte[1 << 16]; // back from a cut's larger buffer
            }
            int r = in.read(buf, 0, buf.length);
            pos = 0;
            lim = Math.max(r, 0);
            return r > 0;
        }

        private int peek() throws IOException {
            return fill() ? buf[pos] : -1;
        }

        private void append(int from, int n) {
            if (recLen + n > rec.length) {
                rec = java.util.Arrays.copyOf(rec, Math.max(rec.length * 2, recLen + n));
            }
            System.arraycopy(buf, from, rec, recLen, n);
            recLen += n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
