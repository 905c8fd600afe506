package io.modelwarden.baseline;

import java.util.ArrayList;
import java.util.List;

/**
 * The columns of a dataset in file order: name, type and role. Feature order is the order of the
 * FEATURE columns; models and sketches are indexed by it.
 */
public record DatasetSchema(List<Column> columns) {
    public enum ColumnType {
        NUMERIC,
        STRING
    }

    public enum ColumnRole {
        FEATURE,
        LABEL,
        ID,
        /** A string column other than the label and the id: its values are counted, checked and compared with the baseline's. */
        CATEGORY,
        IGNORED
    }

    public record Column(String name, ColumnType type, ColumnRole role) {}

    public DatasetSchema {
        columns = List.copyOf(columns);
    }

    /** A schema of numeric features plus a string label column (when non-null). */
    public static DatasetSchema of(String[] featureNames, String labelColumn) {
        List<Column> cols = new ArrayList<>();
        for (String f : featureNames) {
            cols.add(new Column(f, ColumnType.NUMERIC, ColumnRole.FEATURE));
        }
        if (labelColumn != null) {
            cols.add(new Column(labelColumn, ColumnType.STRING, ColumnRole.LABEL));
        }
        return new DatasetSchema(cols);
    }

    public List<String> featureNames() {
        List<String> out = new ArrayList<>();
        for (Column c : columns) {
            if (c.role() == ColumnRole.FEATURE) {
                out.add(c.name());
            }
        }
        return out;
    }

    /** The CATEGORY columns' names, in file order. */
    public List<String> categoryNames() {
        List<String> out = new ArrayList<>();
        for (Column c : columns) {
            if (c.role() == ColumnRole.CATEGORY) {
                out.add(c.name());
            }
        }
        return out;
    }

    /** The column called {@code name}, or null. */
    public Column column(String name) {
        for (Column c : columns) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }
}
