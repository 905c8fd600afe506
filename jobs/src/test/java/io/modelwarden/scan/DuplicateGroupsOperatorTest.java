package io.modelwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.Detection;
import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.DuplicateDetector;
import io.modelwarden.detect.poisoning.DuplicateGroup;
import io.modelwarden.detect.poisoning.DuplicateRate;
import io.modelwarden.detect.poisoning.DuplicateSettings;
import io.modelwarden.detect.poisoning.NearDuplicateHash;
import io.modelwarden.model.Finding;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.risk.RiskPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The sorted grouping of the duplicate detector, fed as a BATCH job feeds it (the rows of a bucket one
 * after the other, in any order within it), and the choice of one finding per row and detector.
 */
class DuplicateGroupsOperatorTest {
    private static final FindingFactory FACTORY = new FindingFactory("scan-test", RiskPolicy.defaults());

    /** A row of bucket {@code bucket} whose exact values are {@code exact} and whose sketch's first byte is {@code s}. */
    private static Tuple2<Long, byte[]> row(long bucket, long index, String label, long exact, int s) {
        TrainingRow r = new TrainingRow("r" + index, index, 0, null, label);
        byte[] sketch = new byte[NearDuplicateHash.DIRECTIONS];
        sketch[0] = (byte) s;
        return Tuple2.of(bucket, DuplicateGroup.oneRowBytes(r, new long[] {exact, 7}, sketch));
    }

    /** What the grouping's task gives for rows arriving in this order: its findings and the extra copies it counted. */
    private record Grouped(List<Finding> findings, long extraCopies) {}

    private static Grouped run(List<Tuple2<Long, byte[]>> sorted) throws Exception {
        DuplicateGroupsOperator op = new DuplicateGroupsOperator(new DuplicateDetector(DuplicateSettings.defaults()), FACTORY);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<Long, Tuple2<Long, byte[]>, Finding>(op, t -> t.f0, Types.LONG)) {
            h.open();
            for (Tuple2<Long, byte[]> t : sorted) {
                h.processElement(new StreamRecord<>(t));
            }
            h.endInput();
            var counts = h.getSideOutput(DuplicateGroupsOperator.EXTRA_COPIES);
            assertThat(counts).hasSize(1);
            return new Grouped(findings(h.getOutput()), counts.poll().getValue());
        }
    }

    private static List<Finding> group(List<Tuple2<Long, byte[]>> sorted) throws Exception {
        return run(sorted).findings();
    }

    /** The findings among a harness's output records. */
    private static List<Finding> findings(Iterable<Object> output) {
        List<Finding> out = new ArrayList<>();
        for (Object o : output) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof Finding f) {
                out.add(f);
            }
        }
        return out;
    }

    /** finding id -> evidence, of the DUPLICATE findings. */
    private static Map<String, String> duplicates(List<Finding> findings) {
        Map<String, String> out = new TreeMap<>();
        findings.stream().filter(f -> f.detector.equals(DuplicateDetector.ID)).forEach(f -> out.put(f.findingId, f.evidenceJson));
        return out;
    }

    @Test
    void groupsExactCopiesAndRowsWithinTheRadiusPerBucket() throws Exception {
        List<Tuple2<Long, byte[]>> bucket1 = List.of(
                row(1, 0, "a", 100, 0), row(1, 1, "a", 100, 0), // exact copies
                row(1, 2, "b", 101, 10), // 10 steps from them: within the radius (4 steps root mean square over 16)
                row(1, 3, "a", 102, 100), row(1, 4, "a", 103, 105)); // another pair, far from the first
        List<Tuple2<Long, byte[]>> rest = List.of(row(2, 5, "a", 104, 0), // alone in its bucket, though its sketch matches row 0's
                row(3, 6, "a", 105, 50), row(3, 7, "a", 105, 50));
        List<Tuple2<Long, byte[]>> sorted = new ArrayList<>(bucket1);
        sorted.addAll(rest);
        List<Finding> findings = group(sorted);

        assertThat(findings.stream().filter(f -> f.detector.equals(DuplicateDetector.ID)).map(f -> f.rowIndex).sorted())
                .containsExactly(0L, 1L, 2L, 3L, 4L, 6L, 7L);
        Finding row0 = findings.stream().filter(f -> f.rowIndex == 0 && f.kind == FindingKind.DUPLICATE).findFirst().orElseThrow();
        assertThat(row0.evidenceJson).contains("\"copies\":3").contains("\"match\":\"near\"");
        assertThat(findings.stream().filter(f -> f.rowIndex == 6).findFirst().orElseThrow().evidenceJson).contains("\"match\":\"exact\"");
        // Row 2's label is the minority of its group of three.
        assertThat(findings.stream().filter(f -> f.kind == FindingKind.LABEL_FLIP).map(f -> f.rowIndex)).containsExactly(2L);

        // The same bucket in another arrival order (another parallelism) gives the same findings.
        List<Tuple2<Long, byte[]>> reversed = reversed(bucket1);
        reversed.addAll(rest);
        assertThat(duplicates(group(reversed))).isEqualTo(duplicates(findings));
    }

    @Test
    void aRowJoinsTheGroupOfTheEarliestRowItIsNearInFileAndRowOrder() throws Exception {
        // 0 and 1 are near (12 steps), 1 and 2 are near, 0 and 2 are not (24 steps): 2 does not join 0's group.
        List<Tuple2<Long, byte[]>> rows = List.of(row(9, 0, "a", 1, 0), row(9, 1, "a", 2, 12), row(9, 2, "a", 3, 24));
        for (List<Tuple2<Long, byte[]>> order : List.of(rows, reversed(rows), List.of(rows.get(1), rows.get(2), rows.get(0)))) {
            assertThat(group(order).stream().filter(f -> f.detector.equals(DuplicateDetector.ID)).map(f -> f.rowIndex).sorted())
                    .containsExactly(0L, 1L);
        }
    }

    @Test
    void keepsTheHighestScoringFindingPerRowAndDetectorAndCountsWhatItKeeps() throws Exception {
        List<Finding> in = List.of(
                finding(0, 0.5, "{\"copies\":2}"), finding(0, 0.75, "{\"copies\":4}"), finding(0, 0.5, "{\"copies\":2,\"x\":1}"),
                finding(1, 0.5, "{\"b\":1}"), finding(1, 0.5, "{\"a\":1}"));
        List<Finding> out = new ArrayList<>();
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Finding, Finding>(new DuplicateFindingsOperator(10), f -> f.findingId, Types.STRING)) {
            h.open();
            for (Finding f : in) {
                h.processElement(new StreamRecord<>(f));
            }
            h.endInput();
            out.addAll(findings(h.getOutput()));
            FindingStats stats = Serialization.fromBytes(h.getSideOutput(DuplicateFindingsOperator.STATS).poll().getValue().payload, FindingStats.class);
            assertThat(stats.total()).isEqualTo(2);
        }
        assertThat(out).hasSize(2);
        assertThat(out.get(0).evidenceJson).isEqualTo("{\"copies\":4}");
        assertThat(out.get(1).evidenceJson).isEqualTo("{\"a\":1}"); // a tie goes to the smaller evidence text
    }

    /** The row, marked as sent to its own bucket. */
    private static Tuple2<Long, byte[]> home(Tuple2<Long, byte[]> row) {
        DuplicateGroup.markHome(row.f1, true);
        return row;
    }

    /** The extra copies the grouping's task reports at the end of its input. */
    private static long extraCopies(List<Tuple2<Long, byte[]>> sorted) throws Exception {
        return run(sorted).extraCopies();
    }

    @Test
    void countsARowsExtraCopyOnlyInItsOwnBucket() throws Exception {
        // Bucket 1: rows 0 and 1 exact copies at home (1 extra), row 2 near them at home (1 extra), row 3
        // near them but sent across a border (counted in its own bucket, 4, where it is alone: 0).
        List<Tuple2<Long, byte[]>> rows = new ArrayList<>(List.of(
                home(row(1, 0, "a", 100, 0)), home(row(1, 1, "a", 100, 0)), home(row(1, 2, "a", 101, 10)), row(1, 3, "a", 102, 5),
                // Bucket 2: the earliest row is a visitor, its later near copy at home: 1 extra.
                row(2, 4, "a", 103, 60), home(row(2, 5, "a", 104, 62)),
                home(row(4, 3, "a", 102, 5))));
        assertThat(extraCopies(rows)).isEqualTo(3);
        // Arrival order within a bucket does not change it.
        List<Tuple2<Long, byte[]>> shuffled = new ArrayList<>(reversed(rows.subList(0, 4)));
        shuffled.addAll(reversed(rows.subList(4, 6)));
        shuffled.add(rows.get(6));
        assertThat(extraCopies(shuffled)).isEqualTo(3);
    }

    @Test
    void theRateOperatorSumsTheTasksCountsAndFlagsAnExcessOverTheBaseline() throws Exception {
        DuplicateRate baseline = new DuplicateRate(10_000, 100);
        assertThat(rate(baseline, 60L, 45L)).isEmpty(); // 105 where 100 are expected
        List<Finding> excess = rate(baseline, 60L, 100L); // 160: 0.6% more of the rows, p about 1e-8
        assertThat(excess).hasSize(1);
        Finding f = excess.get(0);
        assertThat(f.detector).isEqualTo(DuplicateRate.ID);
        assertThat(f.kind).isEqualTo(FindingKind.DUPLICATE);
        assertThat(f.rowId).isNull();
        assertThat(f.evidenceJson).contains("\"extra_copies\":160").contains("\"baseline_share\":0.01");
        assertThat(rate(null, 60L, 100L)).isEmpty(); // no baseline: only the count
    }

    private static List<Finding> rate(DuplicateRate baseline, Long... counts) throws Exception {
        List<Finding> out = new ArrayList<>();
        try (var h = new org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness<Long, Finding>(
                new DuplicateRateOperator(DuplicateSettings.defaults(), baseline, 10_000, FACTORY))) {
            h.open();
            for (Long c : counts) {
                h.processElement(new StreamRecord<>(c));
            }
            h.endInput();
            out.addAll(findings(h.getOutput()));
            long sum = 0;
            for (Long c : counts) {
                sum += c;
            }
            long total = -1;
            long found = -1;
            for (StreamRecord<ScanOutput> r : h.getSideOutput(DuplicateRateOperator.STATS)) {
                if (r.getValue().kind.equals(ScanOutput.EXTRA_COPIES)) {
                    total = DuplicateRateOperator.extraCopies(r.getValue().payload);
                } else {
                    found = Serialization.fromBytes(r.getValue().payload, FindingStats.class).total();
                }
            }
            assertThat(total).isEqualTo(sum);
            assertThat(found).isEqualTo(out.size());
        }
        return out;
    }

    private static <T> List<T> reversed(List<T> l) {
        List<T> r = new ArrayList<>(l);
        java.util.Collections.reverse(r);
        return r;
    }

    private static Finding finding(long row, double score, String evidence) {
        Finding f = FACTORY.row(DuplicateDetector.ID, Threat.DATA_POISONING, FindingKind.DUPLICATE, "r" + row, row, 0, Detection.of(score, Map.of()));
        f.evidenceJson = evidence;
        return f;
    }
}
