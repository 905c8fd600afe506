package io.modelwarden.detect.poisoning;

import io.modelwarden.model.TrainingRow;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The rows that share one near-duplicate key, as a mergeable Flink POJO (public no-arg constructor,
 * public fields of primitives, strings and arrays only): a job keys rows by {@link #keyHi}/{@link
 * #keyLo}, reduces with {@link #merge} and hands each final group to {@link DuplicateDetector}.
 *
 * <p>{@link #merge} is associative and commutative: counts add, exact-key bounds take min/max,
 * label counts add, and the member list keeps the {@link #maxMembers} smallest {@code (fileIndex,
 * rowIndex)} rows, so the result does not depend on partitioning or arrival order. Memory per group:
 * O(maxMembers + distinct labels).
 */
public final class DuplicateGroup {
    /** The key the rows were grouped by (a {@link NearDuplicateHash} bucket, and 0). */
    public long keyHi;

    public long keyLo;

    /** Rows in the group. */
    public long count;

    /** Smallest and largest exact key seen (signed (hi, lo) order): equal iff every copy is exact. */
    public long exactMinHi;

    public long exactMinLo;
    public long exactMaxHi;
    public long exactMaxLo;

    /** Distinct labels in ascending order ("" stands for a missing label), parallel to labelCounts. */
    public String[] labels;

    public long[] labelCounts;

    /** Cap on the members listed below. */
    public int maxMembers;

    /** The listed members, sorted by (fileIndex, rowIndex); at most maxMembers. */
    public String[] memberRowIds;

    public long[] memberRowIndexes;
    public int[] memberFileIndexes;
    /** Each listed member's label ("" for none). */
    public String[] memberLabels;

    /**
     * Each listed member's filled-in values as a JSON object ({@code {"f3":0.41}}, with {@code
     * scan.missing-values: impute}), "" for a row that lacked none.
     */
    public String[] memberImputed;

    public DuplicateGroup() {}

    /** A group of one row that lacked no value. */
    public static DuplicateGroup of(TrainingRow row, long[] nearKey, long[] exactKey, int maxMembers) {
        return of(row, nearKey, exactKey, maxMembers, "");
    }

    /** A group of one row; {@code imputed} as {@link #memberImputed} holds it. */
    public static DuplicateGroup of(TrainingRow row, long[] nearKey, long[] exactKey, int maxMembers, String imputed) {
        if (maxMembers < 1) {
            throw new IllegalArgumentException("maxMembers must be > 0, was " + maxMembers);
        }
        DuplicateGroup g = new DuplicateGroup();
        g.keyHi = nearKey[0];
        g.keyLo = nearKey[1];
        g.count = 1;
        g.exactMinHi = exactKey[0];
        g.exactMinLo = exactKey[1];
        g.exactMaxHi = exactKey[0];
        g.exactMaxLo = exactKey[1];
        String label = row.label == null ? "" : row.label;
        g.labels = new String[] {label};
        g.labelCounts = new long[] {1};
        g.maxMembers = maxMembers;
        g.memberRowIds = new String[] {row.rowId};
        g.memberRowIndexes = new long[] {row.rowIndex};
        g.memberFileIndexes = new int[] {row.fileIndex};
        g.memberLabels = new String[] {label};
        g.memberImputed = new String[] {imputed};
        return g;
    }

    /** First byte of {@link #oneRowBytes}; never the first byte of {@link #toBytes()} (a count below 2^56). */
    private static final byte ONE_ROW = (byte) 0xFF;
    /** First byte of {@link #oneRowBytes} sent to the row's own bucket ({@link #markHome}). */
    private static final byte ONE_ROW_HOME = (byte) 0xFE;

    /** Where {@link #oneRowBytes} holds the row's {@link NearDuplicateHash} sketch. */
    public static final int SKETCH_AT = 1 + 2 * Long.BYTES;

    private static final int ROW_INDEX_AT = SKETCH_AT + NearDuplicateHash.DIRECTIONS;
    private static final int FILE_INDEX_AT = ROW_INDEX_AT + Long.BYTES;

    /**
     * A group of one row as compact bytes, what a scan emits per row and bucket: the exact key, the
     * row's nearness sketch (16 bytes at {@link #SKETCH_AT}), position, label and id, nothing that the
     * keyed shuffle or the configuration already knows (the bucket travels as the shuffle's key, the
     * member cap is a setting), so every row costs the sort and its spill few bytes. {@link
     * #fromBytes(long, long, int, byte[])} and {@link #count(byte[])} read both forms; {@link
     * #exactHi}, {@link #exactLo}, {@link #rowIndex} and {@link #fileIndex} read fields without decoding.
     */
    public static byte[] oneRowBytes(TrainingRow row, long[] exactKey, byte[] sketch) {
        return oneRowBytes(row, exactKey, sketch, "");
    }

    /** {@link #oneRowBytes(TrainingRow, long[], byte[])} of a row whose filled-in values are {@code imputed} (JSON, or ""). */
    public static byte[] oneRowBytes(TrainingRow row, long[] exactKey, byte[] sketch, String imputed) {
        if (sketch.length != NearDuplicateHash.DIRECTIONS) {
            throw new IllegalArgumentException("a sketch has " + NearDuplicateHash.DIRECTIONS + " bytes, was " + sketch.length);
        }
        byte[] label = (row.label == null ? "" : row.label).getBytes(StandardCharsets.UTF_8);
        byte[] id = row.rowId.getBytes(StandardCharsets.UTF_8);
        byte[] filled = imputed.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(FILE_INDEX_AT + 4 * Integer.BYTES + label.length + id.length + filled.length);
        b.put(ONE_ROW).putLong(exactKey[0]).putLong(exactKey[1]).put(sketch).putLong(row.rowIndex).putInt(row.fileIndex);
        b.putInt(label.length).put(label).putInt(id.length).put(id).putInt(filled.length).put(filled);
        return b.array();
    }

    /**
     * Marks a {@link #oneRowBytes} row as sent to its own bucket (the one its projections fall in, not
     * one across a near border), or clears the mark: each row is at home in exactly one bucket, where
     * {@link DuplicateBucket} counts it once.
     */
    public static void markHome(byte[] oneRow, boolean home) {
        oneRow[0] = home ? ONE_ROW_HOME : ONE_ROW;
    }

    /** Whether a {@link #oneRowBytes} row was {@link #markHome marked} as in its own bucket. */
    public static boolean isHome(byte[] oneRow) {
        return oneRow[0] == ONE_ROW_HOME;
    }

    private static boolean isOneRow(byte[] data) {
        return data.length > 0 && (data[0] == ONE_ROW || data[0] == ONE_ROW_HOME);
    }

    /** The exact key's high half of a {@link #oneRowBytes} row. */
    public static long exactHi(byte[] oneRow) {
        return ByteBuffer.wrap(oneRow).getLong(1);
    }

    /** The exact key's low half of a {@link #oneRowBytes} row. */
    public static long exactLo(byte[] oneRow) {
        return ByteBuffer.wrap(oneRow).getLong(1 + Long.BYTES);
    }

    /** The row index of a {@link #oneRowBytes} row. */
    public static long rowIndex(byte[] oneRow) {
        return ByteBuffer.wrap(oneRow).getLong(ROW_INDEX_AT);
    }

    /** The file index of a {@link #oneRowBytes} row. */
    public static int fileIndex(byte[] oneRow) {
        return ByteBuffer.wrap(oneRow).getInt(FILE_INDEX_AT);
    }

    /**
     * The group in either form: {@link #toBytes()} (which holds its key and member cap) or {@link
     * #oneRowBytes} of a row with near key (keyHi, keyLo) and this member cap.
     */
    public static DuplicateGroup fromBytes(long keyHi, long keyLo, int maxMembers, byte[] data) {
        if (!isOneRow(data)) {
            return fromBytes(data);
        }
        ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1);
        long[] exact = {b.getLong(), b.getLong()};
        b.position(ROW_INDEX_AT);
        long rowIndex = b.getLong();
        int fileIndex = b.getInt();
        String label = string(b);
        String id = string(b);
        String imputed = string(b);
        TrainingRow row = new TrainingRow(id, rowIndex, fileIndex, null, label.isEmpty() ? null : label);
        return of(row, new long[] {keyHi, keyLo}, exact, maxMembers, imputed);
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    /** A group of one row, listing at most the configured default number of members. */
    public static DuplicateGroup of(TrainingRow row, long[] nearKey, long[] exactKey) {
        return of(row, nearKey, exactKey, DuplicateSettings.defaults().maxMembersListed());
    }

    /** A new group holding both; neither input is modified. The keys must be equal. */
    public static DuplicateGroup merge(DuplicateGroup a, DuplicateGroup b) {
        if (a.keyHi != b.keyHi || a.keyLo != b.keyLo) {
            throw new IllegalArgumentException("cannot merge groups of different keys "
                    + DuplicateKeys.hex(a.keyHi, a.keyLo) + " and " + DuplicateKeys.hex(b.keyHi, b.keyLo));
        }
        DuplicateGroup g = new DuplicateGroup();
        g.keyHi = a.keyHi;
        g.keyLo = a.keyLo;
        g.count = a.count + b.count;
        if (compare(a.exactMinHi, a.exactMinLo, b.exactMinHi, b.exactMinLo) <= 0) {
            g.exactMinHi = a.exactMinHi;
            g.exactMinLo = a.exactMinLo;
        } else {
            g.exactMinHi = b.exactMinHi;
            g.exactMinLo = b.exactMinLo;
        }
        if (compare(a.exactMaxHi, a.exactMaxLo, b.exactMaxHi, b.exactMaxLo) >= 0) {
            g.exactMaxHi = a.exactMaxHi;
            g.exactMaxLo = a.exactMaxLo;
        } else {
            g.exactMaxHi = b.exactMaxHi;
            g.exactMaxLo = b.exactMaxLo;
        }
        mergeLabels(a, b, g);
        mergeMembers(a, b, g);
        return g;
    }

    /**
     * The group as compact bytes, for a job to shuffle and sort instead of the POJO: a byte array
     * serializes as one length and one copy, where the POJO's 14 fields and string arrays cost a
     * reflective call each, on every network hop, sort, spill and merge. {@link #count(byte[])}
     * reads the row count without decoding; {@link #fromBytes} restores an equal group.
     */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 24 * memberRowIds.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(count); // first: count(byte[]) reads it
            out.writeLong(keyHi);
            out.writeLong(keyLo);
            out.writeLong(exactMinHi);
            out.writeLong(exactMinLo);
            out.writeLong(exactMaxHi);
            out.writeLong(exactMaxLo);
            out.writeInt(maxMembers);
            out.writeInt(labels.length);
            for (int i = 0; i < labels.length; i++) {
                writeString(out, labels[i]);
                out.writeLong(labelCounts[i]);
            }
            out.writeInt(memberRowIds.length);
            for (int i = 0; i < memberRowIds.length; i++) {
                writeString(out, memberRowIds[i]);
                out.writeLong(memberRowIndexes[i]);
                out.writeInt(memberFileIndexes[i]);
                writeString(out, memberLabels[i]);
                writeString(out, memberImputed[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return bytes.toByteArray();
    }

    /** The group {@link #toBytes()} wrote. */
    public static DuplicateGroup fromBytes(byte[] data) {
        DuplicateGroup g = new DuplicateGroup();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            g.count = in.readLong();
            g.keyHi = in.readLong();
            g.keyLo = in.readLong();
            g.exactMinHi = in.readLong();
            g.exactMinLo = in.readLong();
            g.exactMaxHi = in.readLong();
            g.exactMaxLo = in.readLong();
            g.maxMembers = in.readInt();
            int labels = in.readInt();
            g.labels = new String[labels];
            g.labelCounts = new long[labels];
            for (int i = 0; i < labels; i++) {
                g.labels[i] = readString(in);
                g.labelCounts[i] = in.readLong();
            }
            int members = in.readInt();
            g.memberRowIds = new String[members];
            g.memberRowIndexes = new long[members];
            g.memberFileIndexes = new int[members];
            g.memberLabels = new String[members];
            g.memberImputed = new String[members];
            for (int i = 0; i < members; i++) {
                g.memberRowIds[i] = readString(in);
                g.memberRowIndexes[i] = in.readLong();
                g.memberFileIndexes[i] = in.readInt();
                g.memberLabels[i] = readString(in);
                g.memberImputed[i] = readString(in);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a duplicate group written by toBytes", e);
        }
        return g;
    }

    /** The row count of a group in {@link #toBytes()} or {@link #oneRowBytes} form, without decoding the rest. */
    public static long count(byte[] data) {
        if (isOneRow(data)) {
            return 1;
        }
        long c = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            c = (c << 8) | (data[i] & 0xff);
        }
        return c;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** True when every copy has the same exact feature values. */
    public boolean allExact() {
        return exactMinHi == exactMaxHi && exactMinLo == exactMaxLo;
    }

    public String keyHex() {
        return DuplicateKeys.hex(keyHi, keyLo);
    }

    /** True when the members list holds fewer rows than the group. */
    public boolean truncated() {
        return memberRowIds.length < count;
    }

    private static int compare(long hi1, long lo1, long hi2, long lo2) {
        int c = Long.compare(hi1, hi2);
        return c != 0 ? c : Long.compare(lo1, lo2);
    }

    private static void mergeLabels(DuplicateGroup a, DuplicateGroup b, DuplicateGroup g) {
        String[] labels = new String[a.labels.length + b.labels.length];
        long[] counts = new long[labels.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.labels.length || j < b.labels.length) {
            int c = i == a.labels.length ? 1 : j == b.labels.length ? -1 : a.labels[i].compareTo(b.labels[j]);
            if (c == 0) {
                labels[n] = a.labels[i];
                counts[n++] = a.labelCounts[i++] + b.labelCounts[j++];
            } else if (c < 0) {
                labels[n] = a.labels[i];
                counts[n++] = a.labelCounts[i++];
            } else {
                labels[n] = b.labels[j];
                counts[n++] = b.labelCounts[j++];
            }
        }
        g.labels = Arrays.copyOf(labels, n);
        g.labelCounts = Arrays.copyOf(counts, n);
    }

    private static void mergeMembers(DuplicateGroup a, DuplicateGroup b, DuplicateGroup g) {
        g.maxMembers = Math.min(a.maxMembers, b.maxMembers);
        int total = Math.min(g.maxMembers, a.memberRowIds.length + b.memberRowIds.length);
        String[] ids = new String[total];
        long[] rows = new long[total];
        int[] files = new int[total];
        String[] labels = new String[total];
        String[] imputed = new String[total];
        int i = 0;
        int j = 0;
        int n = 0;
        while (n < total) {
            boolean takeA;
            if (i == a.memberRowIds.length) {
                takeA = false;
            } else if (j == b.memberRowIds.length) {
                takeA = true;
            } else {
                int c = Integer.compare(a.memberFileIndexes[i], b.memberFileIndexes[j]);
                if (c == 0) {
                    c = Long.compare(a.memberRowIndexes[i], b.memberRowIndexes[j]);
                }
                takeA = c <= 0;
            }
            if (takeA) {
                ids[n] = a.memberRowIds[i];
                rows[n] = a.memberRowIndexes[i];
                labels[n] = a.memberLabels[i];
                imputed[n] = a.memberImputed[i];
                files[n++] = a.memberFileIndexes[i++];
            } else {
                ids[n] = b.memberRowIds[j];
                rows[n] = b.memberRowIndexes[j];
                labels[n] = b.memberLabels[j];
                imputed[n] = b.memberImputed[j];
                files[n++] = b.memberFileIndexes[j++];
            }
        }
        g.memberRowIds = ids;
        g.memberRowIndexes = rows;
        g.memberFileIndexes = files;
        g.memberLabels = labels;
        g.memberImputed = imputed;
    }
}
