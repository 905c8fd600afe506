package io.modelwarden.connect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The columns of a dataset and the role each plays in a scan: the label, the id, the numeric feature
 * columns and the string (category) columns (each in file order), and the rest, which the scan
 * ignores.
 */
public final class InputSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Type {
        NUMERIC,
        STRING,
        /** Text that reads as dates or times (ISO 8601): ignored, as every batch brings new ones. */
        TEMPORAL,
        OTHER
    }

    public enum Role {
        FEATURE,
        LABEL,
        ID,
        /** A string column other than the label and the id: its values are counted and checked against the baseline. */
        CATEGORY,
        IGNORED
    }

    public record Column(String name, Type type, Role role) implements Serializable {}

    private final List<Column> columns;
    private final int labelIndex;
    private final int idIndex;
    private final int[] featureIndexes;
    private final int[] categoryIndexes;

    public InputSchema(List<Column> columns) {
        this.columns = List.copyOf(columns);
        int label = -1;
        int id = -1;
        List<Integer> features = new ArrayList<>();
        List<Integer> categories = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            switch (columns.get(i).role()) {
                case LABEL -> label = i;
                case ID -> id = i;
                case FEATURE -> features.add(i);
                case CATEGORY -> categories.add(i);
                default -> {}
            }
        }
        this.labelIndex = label;
        this.idIndex = id;
        this.featureIndexes = features.stream().mapToInt(Integer::intValue).toArray();
        this.categoryIndexes = categories.stream().mapToInt(Integer::intValue).toArray();
    }

    public List<Column> columns() {
        return columns;
    }

    /** Column position of the label, or -1. */
    public int labelIndex() {
        return labelIndex;
    }

    /** Column position of the id, or -1 (row ids are then positions). */
    public int idIndex() {
        return idIndex;
    }

    /** Column positions of the features, in file order. */
    public int[] featureIndexes() {
        return featureIndexes.clone();
    }

    public int featureCount() {
        return featureIndexes.length;
    }

    public String[] featureNames() {
        String[] names = new String[featureIndexes.length];
        for (int k = 0; k < names.length; k++) {
            names[k] = columns.get(featureIndexes[k]).name();
        }
        return names;
    }

    /** Column positions of the category columns, in file order. */
    public int[] categoryIndexes() {
        return categoryIndexes.clone();
    }

    public String[] categoryNames() {
        String[] names = new String[categoryIndexes.length];
        for (int k = 0; k < names.length; k++) {
            names[k] = columns.get(categoryIndexes[k]).name();
        }
        return names;
    }

    public List<String> columnNames() {
        List<String> names = new ArrayList<>();
        for (Column c : columns) {
            names.add(c.name());
        }
        return names;
    }
}
