package io.modelwarden.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.TrainingRow;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrioritySampleTest {
    private static TrainingRow row(long i) {
        return new TrainingRow("r" + i, i, 0, new double[] {i}, "a");
    }

    @Test
    void rowsFollowEveryChangeAndAreTheCallersOwnList() {
        PrioritySample sample = new PrioritySample(50, 3);
        PrioritySample oneGo = new PrioritySample(50, 3);
        for (long i = 0; i < 40; i++) {
            sample.add(row(i));
            oneGo.add(row(i));
        }
        List<TrainingRow> first = sample.rows();
        first.clear(); // the caller's list: the sample keeps its rows
        PrioritySample other = new PrioritySample(50, 3);
        for (long i = 40; i < 400; i++) {
            other.add(row(i));
            oneGo.add(row(i));
        }
        sample.merge(other);
        assertThat(sample.rows()).hasSize(50).extracting(r -> r.rowIndex).containsExactlyElementsOf(oneGo.rows().stream().map(r -> r.rowIndex).toList());
        assertThat(sample.rows()).isNotSameAs(sample.rows());
    }

    /** Category values (nulls among them) make the trip too: the backdoor detector fits on them. */
    @Test
    void categoryValuesSurviveJavaSerialisation() throws Exception {
        PrioritySample sample = new PrioritySample(20, 3);
        for (long i = 0; i < 60; i++) {
            sample.add(new TrainingRow("r" + i, i, 0, new double[] {i}, "y", new String[] {"c" + (i % 3), i % 4 == 0 ? null : "\u00e9t\u00e9"}));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sample);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            List<TrainingRow> read = ((PrioritySample) in.readObject()).rows();
            assertThat(read).containsExactlyElementsOf(sample.rows()); // equals compares the category values
            assertThat(read).anyMatch(r -> r.categories[1] == null).allMatch(r -> r.categories.length == 2);
        }
    }

    /** Shipped from a task and read back: the same rows, ids, labels and priorities (it merges as the original would). */
    @Test
    void survivesJavaSerialisationRowForRow() throws Exception {
        PrioritySample sample = new PrioritySample(30, 7);
        PrioritySample copy = new PrioritySample(30, 7);
        for (long i = 0; i < 100; i++) {
            String id = i % 7 == 0 ? null : "r\u00e9" + i;
            String label = i % 5 == 0 ? null : (i % 2 == 0 ? "yes" : "no");
            double[] x = i % 9 == 0 ? new double[] {i, -0.0, Double.NaN} : new double[] {i, i * 0.5};
            sample.add(new TrainingRow(id, i, (int) (i % 3), x, label));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sample);
        }
        PrioritySample read;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            read = (PrioritySample) in.readObject();
        }
        assertThat(read.rows()).containsExactlyElementsOf(sample.rows());
        assertThat(read.capacity()).isEqualTo(30);
        List<TrainingRow> rows = read.rows();
        for (TrainingRow r : rows) {
            assertThat(read.priorityOf(r)).isEqualTo(sample.priorityOf(r));
        }
        // Merged after the trip, it keeps the rows the original keeps.
        PrioritySample more = new PrioritySample(30, 7);
        for (long i = 100; i < 300; i++) {
            more.add(row(i));
        }
        read.merge(more);
        sample.merge(more);
        assertThat(read.rows()).containsExactlyElementsOf(sample.rows());
    }
}
