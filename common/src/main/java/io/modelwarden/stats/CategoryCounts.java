package io.modelwarden.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exact value counts of one string (category) column over every row, mergeable across parallel
 * tasks, with bounded memory: once the column holds more than {@code maxDistinct} distinct values, or
 * one value longer than {@link #MAX_VALUE_CHARS} characters, it is free text (an id, a name, a
 * sentence), not a category: the counts are dropped and only the row counts kept. Whether a column
 * overflows does not depend on how the rows were split over tasks (a union has at least as many
 * distinct values as any part). Missing values (null) are counted apart.
 */
public final class CategoryCounts implements Serializable {
    private static final long serialVersionUID = 1L;
    /** A longer value makes the column free text: category values are short labels. */
    public static final int MAX_VALUE_CHARS = 256;

    private final int maxDistinct;
    /** Value to its count (a one-element array: no boxing per row); null once the column is free text. */
    private HashMap<String, long[]> counts = new HashMap<>();
    private long rows;
    private long missing;

    public CategoryCounts(int maxDistinct) {
        if (maxDistinct < 1) {
            throw new IllegalArgumentException("maxDistinct must be >= 1: " + maxDistinct);
        }
        this.maxDistinct = maxDistinct;
    }

    /** Counts of the given values (a baseline's), with the same limit. */
    public static CategoryCounts of(Map<String, Long> values, long missing, int maxDistinct) {
        CategoryCounts c = new CategoryCounts(maxDistinct);
        for (Map.Entry<String, Long> e : values.entrySet()) {
            c.counts.put(e.getKey(), new long[] {e.getValue()});
            c.rows += e.getValue();
        }
        c.missing = missing;
        c.checkLimit();
        return c;
    }

    /** Free-text counts: the rows only (a baseline's column that was free text). */
    public static CategoryCounts freeText(long rows, long missing, int maxDistinct) {
        CategoryCounts c = new CategoryCounts(maxDistinct);
        c.counts = null;
        c.rows = rows;
        c.missing = missing;
        return c;
    }

    /** Adds one row's value; null is a missing value. */
    public void add(String value) {
        if (value == null) {
            missing++;
            return;
        }
        rows++;
        if (counts == null) {
            return;
        }
        if (value.length() > MAX_VALUE_CHARS) {
            counts = null;
            return;
        }
        long[] c = counts.get(value);
        if (c == null) {
            counts.put(value, new long[] {1});
            checkLimit();
        } else {
            c[0]++;
        }
    }

    public void merge(CategoryCounts other) {
        rows += other.rows;
        missing += other.missing;
        if (counts == null) {
            return;
        }
        if (other.counts == null) {
            counts = null;
            return;
        }
        for (Map.Entry<String, long[]> e : other.counts.entrySet()) {
            counts.computeIfAbsent(e.getKey(), k -> new long[1])[0] += e.getValue()[0];
        }
        checkLimit();
    }

    private void checkLimit() {
        if (counts != null && counts.size() > maxDistinct) {
            counts = null;
        }
    }

    /** True when the column is free text (too many distinct values, or too long ones): no counts. */
    public boolean freeText() {
        return counts == null;
    }

    /**
     * True when the column's values do not group rows: free text, or more distinct values than half
     * the rows with a value (an id, a timestamp, a name that no --id-column named). Such a column is no
     * part of what makes two rows copies: two rows with the same numbers and category values under
     * two ids are the copies the duplicate detector looks for.
     */
    public boolean identifying() {
        return counts == null || 2L * counts.size() > rows;
    }

    /** Rows with a value (missing ones not included). */
    public long rows() {
        return rows;
    }

    public long missing() {
        return missing;
    }

    public int maxDistinct() {
        return maxDistinct;
    }

    /** Distinct values, or -1 for free text. */
    public int distinct() {
        return counts == null ? -1 : counts.size();
    }

    /** The count of one value (0 for an unseen one, and for free text). */
    public long count(String value) {
        long[] c = counts == null ? null : counts.get(value);
        return c == null ? 0 : c[0];
    }

    /** True when the value was seen; free text contains every value. */
    public boolean contains(String value) {
        return counts == null || counts.containsKey(value);
    }

    /** Every value's count, in value order (empty for free text). */
    public TreeMap<String, Long> counts() {
        TreeMap<String, Long> out = new TreeMap<>();
        if (counts != null) {
            counts.forEach((k, v) -> out.put(k, v[0]));
        }
        return out;
    }

    /** The n most frequent values, most frequent first (ties in value order). */
    public Map<String, Long> top(int n) {
        return top(counts(), n);
    }

    /** The n largest of the counts, largest first (ties in value order). */
    public static Map<String, Long> top(Map<String, Long> counts, int n) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(new TreeMap<>(counts).entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(n, entries.size()); i++) {
            out.put(entries.get(i).getKey(), entries.get(i).getValue());
        }
        return out;
    }
}
