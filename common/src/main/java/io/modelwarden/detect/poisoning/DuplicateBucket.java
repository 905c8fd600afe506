package io.modelwarden.detect.poisoning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of one {@link NearDuplicateHash} bucket and their duplicate groups: exact copies (same
 * {@link DuplicateKeys#exactKey}) are merged as they come; {@link #groups} then takes the distinct rows
 * in file and row order, each joining the first group whose first row is within the radius ({@link
 * NearDuplicateHash#near}) or starting one. In that order the groups do not depend on the order rows
 * arrive in. Rows arrive as {@link DuplicateGroup#oneRowBytes}; a row alone is never decoded.
 *
 * <p>It also counts the bucket's {@link #extraCopies}: rows at home here ({@link DuplicateGroup#markHome})
 * that join an earlier row's group. Every row is at home in one bucket, so the sum over all buckets
 * counts each row once, whatever the parallelism: the scan's duplicate rate ({@link DuplicateRate}).
 * A near copy whose source is not sent to the copy's own bucket is not counted (the sum is a lower
 * bound for near copies; exact copies share their bucket and are counted exactly).
 *
 * <p>Memory: at most {@code max-bucket-rows} distinct rows; a row of a fuller bucket still joins its
 * exact copies, but is compared with no other row ({@link #overCap}). Time: O(distinct rows x groups)
 * comparisons of 16 bytes. Reused from bucket to bucket ({@link #reset}); not thread-safe.
 */
public final class DuplicateBucket {
    private final DuplicateSettings settings;
    private final List<Distinct> distinct = new ArrayList<>(2);
    private final Map<Long, Distinct> byExactHi = new HashMap<>();
    private long key;
    private long overCap;
    private long extraCopies;

    /** The copies of one exact row: its first row's bytes and, from its second copy, the merged group. */
    private static final class Distinct {
        final byte[] first;
        final long exactHi;
        final long exactLo;
        /** Exact copies share their buckets: all of them are at home here, or none. */
        final boolean home;
        DuplicateGroup merged;
        /** Another exact row whose key shares the high half (a 2^-64 chance), chained. */
        Distinct sameHi;

        Distinct(byte[] first, long exactHi, long exactLo) {
            this.first = first;
            this.exactHi = exactHi;
            this.exactLo = exactLo;
            this.home = DuplicateGroup.isHome(first);
        }

        long copies() {
            return merged != null ? merged.count : 1;
        }
    }

    public DuplicateBucket(DuplicateSettings settings) {
        this.settings = settings;
    }

    /** Empties the bucket for the rows of bucket {@code key}. */
    public void reset(long key) {
        this.key = key;
        distinct.clear();
        byExactHi.clear();
        overCap = 0;
        extraCopies = 0;
    }

    public long key() {
        return key;
    }

    /** Adds a row ({@link DuplicateGroup#oneRowBytes}; the bucket keeps the array, so pass one it may keep). */
    public void add(byte[] oneRow) {
        long hi = DuplicateGroup.exactHi(oneRow);
        long lo = DuplicateGroup.exactLo(oneRow);
        if (distinct.isEmpty()) { // most buckets hold one row: no map for them
            distinct.add(new Distinct(oneRow, hi, lo));
            return;
        }
        if (byExactHi.isEmpty()) {
            byExactHi.put(distinct.get(0).exactHi, distinct.get(0));
        }
        Distinct d = byExactHi.get(hi);
        while (d != null && d.exactLo != lo) {
            d = d.sameHi;
        }
        if (d != null) {
            d.merged = DuplicateGroup.merge(group(d), decode(oneRow));
        } else if (distinct.size() >= settings.maxBucketRows()) {
            overCap++;
        } else {
            Distinct added = new Distinct(oneRow, hi, lo);
            added.sameHi = byExactHi.put(hi, added);
            distinct.add(added);
        }
    }

    /** Rows of this bucket that found it full: matched to their exact copies only. */
    public long overCap() {
        return overCap;
    }

    /** Distinct rows held. */
    public int distinctRows() {
        return distinct.size();
    }

    /**
     * Rows at home in this bucket that joined an earlier row's group (exact copies after their first,
     * near copies of an earlier row): set by {@link #groups}.
     */
    public long extraCopies() {
        return extraCopies;
    }

    /** The groups of two or more rows; only their rows are decoded. Sets {@link #extraCopies}. */
    public List<DuplicateGroup> groups() {
        List<DuplicateGroup> groups = new ArrayList<>();
        if (distinct.size() == 1 && distinct.get(0).merged == null) {
            return groups; // most buckets: one row
        }
        int n = distinct.size();
        Integer[] order = new Integer[n];
        int[] file = new int[n];
        long[] row = new long[n];
        for (int i = 0; i < n; i++) {
            Distinct d = distinct.get(i);
            order[i] = i;
            // A merged group lists its smallest (file, row) first: the position of its earliest copy.
            file[i] = d.merged != null ? d.merged.memberFileIndexes[0] : DuplicateGroup.fileIndex(d.first);
            row[i] = d.merged != null ? d.merged.memberRowIndexes[0] : DuplicateGroup.rowIndex(d.first);
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> file[i]).thenComparingLong(i -> row[i]));
        List<Distinct> leaders = new ArrayList<>();
        List<List<Distinct>> members = new ArrayList<>();
        for (int i : order) {
            Distinct d = distinct.get(i);
            int joined = -1;
            // Radius 0: exact copies only, already merged.
            for (int g = 0; g < leaders.size() && joined < 0 && settings.radius() > 0; g++) {
                if (NearDuplicateHash.near(leaders.get(g).first, DuplicateGroup.SKETCH_AT, d.first, DuplicateGroup.SKETCH_AT)) {
                    joined = g;
                }
            }
            if (joined < 0) {
                leaders.add(d);
                members.add(new ArrayList<>(List.of(d)));
            } else {
                members.get(joined).add(d);
            }
        }
        for (List<Distinct> m : members) {
            for (Distinct d : m) {
                if (d.home) {
                    extraCopies += d.copies();
                }
            }
            if (m.get(0).home) {
                extraCopies--; // the group's first row is no extra copy
            }
            if (m.size() == 1 && m.get(0).merged == null) {
                continue; // a row alone
            }
            DuplicateGroup g = group(m.get(0));
            for (int k = 1; k < m.size(); k++) {
                g = DuplicateGroup.merge(g, group(m.get(k)));
            }
            groups.add(g);
        }
        return groups;
    }

    private DuplicateGroup group(Distinct d) {
        return d.merged != null ? d.merged : decode(d.first);
    }

    private DuplicateGroup decode(byte[] oneRow) {
        return DuplicateGroup.fromBytes(key, 0, settings.maxMembersListed(), oneRow);
    }
}
