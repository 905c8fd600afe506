package io.modelwarden.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One parsed row of a training dataset: its identity, its numeric features in the order of the
 * dataset's feature columns, and its label. A Flink POJO (public fields, no-arg constructor).
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

    public TrainingRow() {}

    public TrainingRow(String rowId, long rowIndex, int fileIndex, double[] features, String label) {
        this.rowId = rowId;
        this.rowIndex = rowIndex;
        this.fileIndex = fileIndex;
        this.features = features;
        this.label = label;
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
                && Objects.equals(label, other.label);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rowId, rowIndex, fileIndex, label) * 31 + Arrays.hashCode(features);
    }

    @Override
    public String toString() {
        return "TrainingRow{" + rowId + ", #" + rowIndex + ", label=" + label + ", " + Arrays.toString(features) + "}";
    }
}
