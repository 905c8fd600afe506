package io.modelwarden.detect.poisoning;

import io.modelwarden.baseline.DatasetSchema;
import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import io.modelwarden.stats.CategoryCounts;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * B6: dataset-level schema constraints of the current dataset against the baseline's.
 *
 * <p><b>Attack.</b> A tampered or substituted data source (Spoofing/Tampering) or a broken pipeline:
 * columns dropped, added, retyped or reordered, classes injected or removed, many unparseable rows.
 * Each is also how label-space poisoning (a new target class) first shows.
 *
 * <p><b>Signal.</b> Deequ/TFDV-style constraints, each its own finding (subject = the constraint and
 * column): {@code missing_column} (score 1.0 for a feature or the label, 0.7 otherwise), {@code
 * new_column} (0.5), {@code retyped_column} (1.0), {@code role_changed} (0.8), {@code
 * feature_order} (0.7: the model's inputs would be misaligned), {@code new_classes} (0.9), {@code
 * label_cardinality} (0.8, also names classes that vanished), {@code rejected_rows} (share above
 * {@code max-rejected-share}; score {@code 1 - 2^-(share / max)}), {@code missing_values} per feature
 * ({@link #missingValues}: its missing share above the baseline's by more than {@code
 * max-missing-share}, same score on the excess; blanked cells are a way to hide a row's poison from
 * the detectors), and per category column ({@link #categories}) {@code new_categories} (0.8: values the
 * baseline's rows never had, the most frequent listed with their rows) and {@code category_cardinality}
 * (0.8: the baseline's categories became free text). Evidence = the failed constraint, expected and
 * actual values.
 *
 * <p><b>Cost.</b> O(columns + labels) once per scan; no per-row work (rejected rows are counted by the
 * parser). Memory: the two schemas.
 *
 * <p><b>Parameters</b>: {@code scan.detectors.schema.max-rejected-share} 0.01, {@code
 * max-missing-share} 0.05. Reference: DETECTORS.md
 * B6; Deequ (Schelter et al. 2018), TensorFlow Data Validation.
 */
public final class SchemaDetector implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String ID = "schema";
    static final double SEVERE = 1.0;
    static final double MISSING_OTHER = 0.7;
    static final double NEW_COLUMN = 0.5;
    static final double ROLE_CHANGED = 0.8;
    static final double ORDER_CHANGED = 0.7;
    static final double NEW_CLASSES = 0.9;
    static final double CARDINALITY = 0.8;
    static final double NEW_CATEGORIES = 0.8;
    /** New values listed in a new_categories finding (the most frequent; all are counted). */
    static final int NEW_VALUES_LISTED = 20;

    private final SchemaSettings settings;

    public SchemaDetector(SchemaSettings settings) {
        this.settings = settings;
    }

    /**
     * Checks the current dataset against the baseline.
     *
     * @param rowsRead data rows read, rejected ones included
     * @param rowsRejected rows the parser sent to the rejected side output
     */
    public List<DatasetDetection> check(DatasetSchema baseline, Map<String, Long> baselineLabels, DatasetSchema current,
            Map<String, Long> currentLabels, long rowsRead, long rowsRejected) {
        List<DatasetDetection> out = new ArrayList<>();
        for (DatasetSchema.Column b : baseline.columns()) {
            DatasetSchema.Column c = current.column(b.name());
            if (c == null) {
                boolean vital = b.role() == DatasetSchema.ColumnRole.FEATURE || b.role() == DatasetSchema.ColumnRole.LABEL;
                out.add(finding("missing_column", b.name(), vital ? SEVERE : MISSING_OTHER, b.role() + " " + b.type(), "absent"));
                continue;
            }
            if (c.type() != b.type()) {
                out.add(finding("retyped_column", b.name(), SEVERE, b.type(), c.type()));
            }
            if (c.role() != b.role()) {
                out.add(finding("role_changed", b.name(), ROLE_CHANGED, b.role(), c.role()));
            }
        }
        for (DatasetSchema.Column c : current.columns()) {
            if (baseline.column(c.name()) == null) {
                out.add(finding("new_column", c.name(), NEW_COLUMN, "absent", c.role() + " " + c.type()));
            }
        }
        List<String> common = new ArrayList<>(baseline.featureNames());
        common.retainAll(current.featureNames());
        List<String> currentOrder = new ArrayList<>(current.featureNames());
        currentOrder.retainAll(common);
        if (!common.equals(currentOrder)) {
            out.add(finding("feature_order", "features", ORDER_CHANGED, common, currentOrder));
        }
        labels(baselineLabels, currentLabels, out);
        if (rowsRead > 0) {
            double share = (double) rowsRejected / rowsRead;
            if (share > settings.maxRejectedShare()) {
                Map<String, Object> ev = constraint("rejected_rows", "rows");
                ev.put("rejected", rowsRejected);
                ev.put("rows_read", rowsRead);
                ev.put("share", share);
                ev.put("threshold", settings.maxRejectedShare());
                double score = settings.maxRejectedShare() > 0 ? DriftDetector.ratioScore(share, settings.maxRejectedShare()) : SEVERE;
                out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, "rejected_rows", Detection.of(score, ev)));
            }
        }
        return out;
    }

    /**
     * The missing-value constraint per feature: a finding where the share of the feature's values
     * that are missing exceeds its baseline's share (0 for a feature the baseline lacks, or without a
     * baseline) by more than {@code max-missing-share}.
     *
     * @param missing per feature (scan order), the rows whose value is missing
     * @param rows rows accepted
     * @param baselineShare per feature name, the baseline's missing share (absent: 0)
     */
    public List<DatasetDetection> missingValues(String[] features, long[] missing, long rows, Map<String, Double> baselineShare) {
        List<DatasetDetection> out = new ArrayList<>();
        if (rows == 0) {
            return out;
        }
        for (int j = 0; j < features.length; j++) {
            double share = (double) missing[j] / rows;
            double expected = baselineShare.getOrDefault(features[j], 0.0);
            double excess = share - expected;
            if (missing[j] > 0 && excess > settings.maxMissingShare()) {
                Map<String, Object> ev = constraint("missing_values", features[j]);
                ev.put("missing", missing[j]);
                ev.put("rows", rows);
                ev.put("share", share);
                ev.put("baseline_share", expected);
                ev.put("threshold", settings.maxMissingShare());
                double score = settings.maxMissingShare() > 0 ? DriftDetector.ratioScore(excess, settings.maxMissingShare()) : SEVERE;
                out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, "missing_values:" + features[j], Detection.of(score, ev)));
            }
        }
        return out;
    }

    /**
     * The domain constraint of each category column the baseline counted: {@code new_categories}
     * when this dataset has values the baseline's rows never had and one of them is improbable or
     * common ({@link CategoryDomainDetector#classify}: not when all are as rare as the baseline's long
     * tail explains; the most frequent listed, with their rows), and {@code category_cardinality} when a column the baseline counted is free text
     * now (more distinct values than it may hold). Columns either side counts as free text have no
     * domain.
     */
    public List<DatasetDetection> categories(Map<String, CategoryCounts> baseline, Map<String, CategoryCounts> current) {
        List<DatasetDetection> out = new ArrayList<>();
        for (Map.Entry<String, CategoryCounts> e : current.entrySet()) {
            String column = e.getKey();
            CategoryCounts b = baseline.get(column);
            CategoryCounts c = e.getValue();
            if (b == null || b.freeText()) {
                continue;
            }
            if (c.freeText()) {
                Map<String, Object> ev = constraint("category_cardinality", column);
                ev.put("expected", b.distinct());
                ev.put("actual", "more than " + c.maxDistinct() + " distinct values, or values over " + CategoryCounts.MAX_VALUE_CHARS + " characters");
                out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, "category_cardinality:" + column, Detection.of(CARDINALITY, ev)));
                continue;
            }
            Map<String, CategoryDomainDetector.NewValue> verdicts = CategoryDomainDetector.classify(b, c, settings);
            Map<String, Long> added = new TreeMap<>();
            Map<String, Long> improbable = new TreeMap<>();
            long rows = 0;
            boolean reported = false;
            for (Map.Entry<String, CategoryDomainDetector.NewValue> v : verdicts.entrySet()) {
                long count = c.count(v.getKey());
                added.put(v.getKey(), count);
                rows += count;
                if (v.getValue() == CategoryDomainDetector.NewValue.IMPROBABLE) {
                    improbable.put(v.getKey(), count);
                }
                reported |= v.getValue() != CategoryDomainDetector.NewValue.TAIL;
            }
            if (!reported) {
                continue; // none, or only as rare as the baseline's long tail explains
            }
            Map<String, Object> ev = constraint("new_categories", column);
            ev.put("new_values", CategoryCounts.top(added, NEW_VALUES_LISTED));
            ev.put("new_value_count", added.size());
            ev.put("rows", rows);
            ev.put("share", c.rows() == 0 ? 0.0 : (double) rows / c.rows());
            ev.put("improbable_values", CategoryCounts.top(improbable, NEW_VALUES_LISTED));
            ev.put("expected_rows_of_an_unseen_value", 3.0 * c.rows() / b.rows());
            ev.put("baseline_distinct", b.distinct());
            ev.put("baseline_rows", b.rows());
            out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, "new_categories:" + column, Detection.of(NEW_CATEGORIES, ev)));
        }
        return out;
    }

    private void labels(Map<String, Long> baseline, Map<String, Long> current, List<DatasetDetection> out) {
        if (baseline.isEmpty() || current.isEmpty()) {
            return;
        }
        Map<String, Long> added = new TreeMap<>();
        for (Map.Entry<String, Long> e : current.entrySet()) {
            if (!baseline.containsKey(e.getKey())) {
                added.put(e.getKey(), e.getValue());
            }
        }
        List<String> vanished = new ArrayList<>();
        for (String l : new TreeMap<>(baseline).keySet()) {
            if (!current.containsKey(l)) {
                vanished.add(l);
            }
        }
        if (!added.isEmpty()) {
            Map<String, Object> ev = constraint("new_classes", "label");
            ev.put("new_classes", added);
            ev.put("baseline_classes", new ArrayList<>(new TreeMap<>(baseline).keySet()));
            out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, "new_classes", Detection.of(NEW_CLASSES, ev)));
        }
        if (baseline.size() != current.size()) {
            Map<String, Object> ev = constraint("label_cardinality", "label");
            ev.put("expected", baseline.size());
            ev.put("actual", current.size());
            ev.put("vanished_classes", vanished);
            out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, "label_cardinality", Detection.of(CARDINALITY, ev)));
        }
    }

    private static Map<String, Object> constraint(String name, String column) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("constraint", name);
        ev.put("column", column);
        return ev;
    }

    private static DatasetDetection finding(String constraint, String column, double score, Object expected, Object actual) {
        Map<String, Object> ev = constraint(constraint, column);
        ev.put("expected", expected instanceof List<?> || expected instanceof Number ? expected : String.valueOf(expected));
        ev.put("actual", actual instanceof List<?> || actual instanceof Number ? actual : String.valueOf(actual));
        return new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.SCHEMA, constraint + ":" + column, Detection.of(score, ev));
    }
}
