package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.CategoryCounts;
import io.modelwarden.stats.Tails;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * B6: per-row domain constraints of category columns learnt from the baseline (TFDV's "unexpected
 * string values", row by row).
 *
 * <p><b>Attack.</b> Rows injected with a category value no trusted row had: a trigger token planted in
 * a text-coded column, a spoofed source or region code, a sentinel. A model one-hot encodes the new
 * value as a feature of its own, which the poisoned rows alone define.
 *
 * <p><b>Signal.</b> For each category column the baseline counted (every row of its dataset, {@link
 * CategoryCounts}), the set of values it saw; a row breaks the constraint when one of its category
 * values is not in the set ({@link #classify}) and that value
 * <ul>
 *   <li>covers at most {@code max-new-category-share} of this scan's rows with a value in the column
 *       (the profile pass counted every row): injected rows are few, while a new value on many rows
 *       (a new batch or version stamp, a new region) is a change of the data, which the dataset-level
 *       {@code new_categories} finding ({@link SchemaDetector}) and category drift report once
 *       instead of on every row; and
 *   <li>has a count improbable for a value the baseline never had: such a value's probability is at
 *       most about 3 / n_b (the rule of three: below that, n_b rows would have shown it with 95%
 *       probability), so this scan's n rows hold Poisson(3 n / n_b) of it at most; a count with an
 *       upper tail below {@code max-p-value} is flagged. A long tail of rare values brings a few new
 *       ones in every batch (one or two rows each); a trigger token stamped on 0.5% of 20,000 rows
 *       has 100 against an expected 3.
 * </ul> Missing values, columns the baseline lacks and columns either
 * side counts as free text are not checked. Score {@value #SCORE} for a violating row (threshold 0.5),
 * so every one is flagged.
 *
 * <p><b>Cost.</b> One hash lookup per category column and row; memory the baseline's values.
 *
 * <p><b>Parameters</b>: {@code scan.detectors.schema.max-new-category-share} 0.05 (the backdoor
 * detector's largest trigger support), {@code max-p-value} 0.001; {@code scan.max-categories} bounds
 * the domain. Reference: DETECTORS.md B6; TensorFlow Data Validation (string domains).
 */
public final class CategoryDomainDetector implements RowDetector {
    private static final long serialVersionUID = 1L;
    public static final String ID = "category_domain";
    static final double SCORE = 0.75;
    static final double THRESHOLD = 0.5;

    private final String[] columns;
    /** Per category column of this scan, the baseline's values; null where the column is not checked. */
    private final HashSet<String>[] domains;
    private final long[] baselineRows;
    /** Per column, the new values common enough to be accepted (more than maxShare of its rows). */
    private final Map<String, List<String>> accepted;
    private final SchemaSettings settings;

    private CategoryDomainDetector(String[] columns, HashSet<String>[] domains, long[] baselineRows, Map<String, List<String>> accepted,
            SchemaSettings settings) {
        this.columns = columns;
        this.domains = domains;
        this.baselineRows = baselineRows;
        this.accepted = accepted;
        this.settings = settings;
    }

    /** What a category value the baseline never had is taken for. */
    public enum NewValue {
        /** Rare in this scan and too frequent for a value the baseline never had: its rows are flagged. */
        IMPROBABLE,
        /** On more than {@code max-new-category-share} of the rows: a change of the data, reported once. */
        COMMON,
        /** As rare as a value of the baseline's long tail that its rows happened not to hold. */
        TAIL
    }

    /**
     * The values of {@code current} the baseline never had, each with what it is taken for (value
     * order); empty when either side is free text or the baseline has no value.
     */
    public static Map<String, NewValue> classify(CategoryCounts baseline, CategoryCounts current, SchemaSettings settings) {
        Map<String, NewValue> out = new java.util.TreeMap<>();
        if (baseline.freeText() || current.freeText() || baseline.rows() == 0) {
            return out;
        }
        double expected = 3.0 * current.rows() / baseline.rows();
        for (Map.Entry<String, Long> v : current.counts().entrySet()) {
            if (baseline.contains(v.getKey())) {
                continue;
            }
            long count = v.getValue();
            NewValue verdict = count > settings.maxNewCategoryShare() * current.rows() ? NewValue.COMMON
                    : Tails.poisson(expected, count) < settings.maxPValue() ? NewValue.IMPROBABLE : NewValue.TAIL;
            out.put(v.getKey(), verdict);
        }
        return out;
    }

    /**
     * The domains of this scan's category columns from the baseline's counts; null when no column can
     * be checked (none in both, or free text on either side).
     *
     * @param columns this scan's category columns, in the order of {@link TrainingRow#categories}
     * @param current their counts in this scan
     */
    @SuppressWarnings("unchecked")
    public static CategoryDomainDetector of(String[] columns, Map<String, CategoryCounts> baseline, Map<String, CategoryCounts> current,
            SchemaSettings settings) {
        HashSet<String>[] domains = new HashSet[columns.length];
        long[] rows = new long[columns.length];
        Map<String, List<String>> accepted = new LinkedHashMap<>();
        boolean any = false;
        for (int j = 0; j < columns.length; j++) {
            CategoryCounts b = baseline.get(columns[j]);
            CategoryCounts c = current.get(columns[j]);
            if (b == null || b.freeText() || b.rows() == 0 || c == null || c.freeText()) {
                continue;
            }
            domains[j] = new HashSet<>(b.counts().keySet());
            rows[j] = b.rows();
            any = true;
            for (Map.Entry<String, NewValue> v : classify(b, c, settings).entrySet()) {
                if (v.getValue() != NewValue.IMPROBABLE) {
                    domains[j].add(v.getKey());
                    accepted.computeIfAbsent(columns[j], k -> new ArrayList<>()).add(v.getKey());
                }
            }
        }
        return any ? new CategoryDomainDetector(columns.clone(), domains, rows, accepted, settings) : null;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.SCHEMA;
    }

    @Override
    public double score(TrainingRow row, double[] z) {
        String[] values = row.categories;
        if (values == null) {
            return 0;
        }
        for (int j = 0; j < domains.length; j++) {
            if (breaks(j, values[j])) {
                return SCORE;
            }
        }
        return 0;
    }

    /** True when column j is checked and the value (null: missing) is not in its domain. */
    private boolean breaks(int j, String value) {
        return domains[j] != null && value != null && !domains[j].contains(value);
    }

    @Override
    public double threshold() {
        return THRESHOLD;
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        List<Map<String, Object>> violations = new ArrayList<>();
        for (int j = 0; j < domains.length; j++) {
            String v = row.categories[j];
            if (breaks(j, v)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("column", columns[j]);
                m.put("value", v);
                m.put("baseline_distinct", baselineDistinct(j));
                m.put("baseline_rows", baselineRows[j]);
                violations.add(m);
            }
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("constraint", "category value seen in the baseline");
        ev.put("violations", violations);
        return Detection.of(score, ev);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> distinct = new LinkedHashMap<>();
        for (int j = 0; j < columns.length; j++) {
            if (domains[j] != null) {
                distinct.put(columns[j], baselineDistinct(j));
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("max_new_category_share", settings.maxNewCategoryShare());
        p.put("max_p_value", settings.maxPValue());
        p.put("baseline_distinct", distinct);
        p.put("new_values_not_flagged", accepted);
        return p;
    }

    private int baselineDistinct(int j) {
        return domains[j].size() - accepted.getOrDefault(columns[j], List.of()).size();
    }

    /** The checked columns (for tests and logs). */
    Set<String> checkedColumns() {
        Set<String> out = new java.util.TreeSet<>();
        for (int j = 0; j < columns.length; j++) {
            if (domains[j] != null) {
                out.add(columns[j]);
            }
        }
        return out;
    }
}
