package io.modelwarden.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One parsed row of a training dataset: its identity, its numeric features in the order of the
 * dataset's feature columns, its label and its category values. A Flink POJO (public fields, no-arg constructor).
 */
public final class TrainingRow implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** The id column's value, or the row's position when the dataset has no id column. */
    public String rowId;

    /** 0-based position of the row among the data rows of its file. */
    public long rowIndex;

    /** Index of the input file the row came from (0 for a single file). */
    public int fileIndex;

    public double[] features;

    /** The label as text (numbers are kept as written); null when the dataset has no label. */
    public String label;

    /**
     * The values of the dataset's category columns (string columns other than the label and the id),
     * in column order, null where a cell is missing; null when the dataset has none.
     */
    public String[] categories;

    public TrainingRow() {}

    public TrainingRow(String rowId, long rowIndex, int fileIndex, double[] features, String label) {
        this.rowId = rowId;
        this.rowIndex = rowIndex;
        this.fileIndex = fileIndex;
        this.features = features;
        this.label = label;
    }

    public TrainingRow(String rowId, long rowIndex, int fileIndex, double[] features, String label, String[] categories) {
        this(rowId, rowIndex, fileIndex, features, label);
        this.categories = categories;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrainingRow other)) {
            return false;
        }
        return rowIndex == other.rowIndex
                && fileIndex == other.fileIndex
                && Objects.equals(rowId, other.rowId)
                && Arrays.equals(features, other.features)
                && Objects.equals(label, other.label)
                && Arrays.equals(categories, other.categories);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rowId, rowIndex, fileIndex, label) * 31 + Arrays.hashCode(features);
    }

    @Override
    public String toString() {
        return "TrainingRow{" + rowId + ", #" + rowIndex + ", label=" + label + ", " + Arrays.toString(features)
                + (categories == null ? "" : ", " + Arrays.toString(categories)) + "}";
    }
}
