package io.modelwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.DuplicateDetector;
import io.modelwarden.detect.poisoning.DuplicateGroup;
import io.modelwarden.detect.poisoning.DuplicateSettings;
import io.modelwarden.model.Finding;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.risk.RiskPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The sorted grouping of the duplicate detector, fed as a BATCH job feeds it: rows sorted by the high
 * half of their near key only, so rows of two keys sharing that half may interleave.
 */
class DuplicateGroupsOperatorTest {
    private static final FindingFactory FACTORY = new FindingFactory("scan-test", RiskPolicy.defaults());

    private static Tuple3<Long, Long, byte[]> row(long hi, long lo, long index, String label) {
        TrainingRow r = new TrainingRow("r" + index, index, 0, null, label);
        return Tuple3.of(hi, lo, DuplicateGroup.oneRowBytes(r, new long[] {hi * 31 + lo, 7}));
    }

    private static List<Finding> run(int minCopies, List<Tuple3<Long, Long, byte[]>> sorted) throws Exception {
        DuplicateGroupsOperator op = new DuplicateGroupsOperator(new DuplicateDetector(new DuplicateSettings(0.01, minCopies, 1000)), FACTORY, 10);
        List<Finding> out = new ArrayList<>();
        try (var h = new KeyedOneInputStreamOperatorTestHarness<Long, Tuple3<Long, Long, byte[]>, Finding>(op, t -> t.f0, Types.LONG)) {
            h.open();
            for (Tuple3<Long, Long, byte[]> t : sorted) {
                h.processElement(new StreamRecord<>(t));
            }
            h.endInput();
            for (Object o : h.getOutput()) {
                if (o instanceof StreamRecord<?> r && r.getValue() instanceof Finding f) {
                    out.add(f);
                }
            }
            // Its finding counts leave on the side output, once.
            assertThat(h.getSideOutput(DuplicateGroupsOperator.STATS)).hasSize(1);
            FindingStats stats = Serialization.fromBytes(h.getSideOutput(DuplicateGroupsOperator.STATS).poll().getValue().payload, FindingStats.class);
            assertThat(stats.total()).isEqualTo(out.size());
        }
        return out;
    }

    @Test
    void groupsEachFullKeyAndFlagsOnlyGroupsOfMinCopies() throws Exception {
        List<Tuple3<Long, Long, byte[]>> sorted = List.of(
                row(1, 10, 0, "a"), // a key of its own
                row(2, 20, 1, "a"), row(2, 21, 2, "a"), row(2, 20, 3, "a"), row(2, 21, 4, "b"), row(2, 22, 5, "a"), // three keys share hi 2
                row(3, 30, 6, "a"), row(3, 30, 7, "a"), row(3, 30, 8, "a"));
        List<Finding> findings = run(2, sorted);

        List<Long> duplicates = findings.stream().filter(f -> f.detector.equals(DuplicateDetector.ID)).map(f -> f.rowIndex).sorted().toList();
        assertThat(duplicates).containsExactly(1L, 2L, 3L, 4L, 6L, 7L, 8L);
        // Rows 2 and 4 share key (2, 21) and disagree on the label: a tie, so both are conflicts or neither is;
        // rows 1 and 3 (key (2, 20)) agree, and so do 6, 7 and 8.
        assertThat(findings.stream().filter(f -> !f.detector.equals(DuplicateDetector.ID)).map(f -> f.rowIndex))
                .allMatch(i -> i == 2L || i == 4L);
        assertThat(findings.stream().filter(f -> f.rowIndex == 6).findFirst().orElseThrow().evidenceJson).contains("\"copies\":3");
    }

    @Test
    void groupsBelowMinCopiesAreNotFlagged() throws Exception {
        List<Finding> findings = run(3, List.of(row(1, 10, 0, "a"), row(1, 10, 1, "a"), row(2, 20, 2, "a"), row(2, 20, 3, "a"), row(2, 20, 4, "a")));
        assertThat(findings).extracting(f -> f.rowIndex).containsExactlyInAnyOrder(2L, 3L, 4L);
    }
}
