package io.modelwarden.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.TrainingRow;
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
}
