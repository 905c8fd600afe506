package io.modelwarden.scan;

import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.DuplicateDetector;
import io.modelwarden.detect.poisoning.DuplicateGroup;
import io.modelwarden.model.Finding;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The duplicate detector's grouping: rows keyed by the high half of their near key, which a BATCH job
 * sorts, so the rows of one key arrive one after the other. The operator folds each run into its
 * {@link DuplicateGroup}s (one per full 128-bit key: a run rarely holds two) and turns the flagged ones
 * into findings when the run ends. A row with a key of its own, most rows, is never decoded. Memory:
 * one run's groups (each lists at most {@code max-members-listed} members).
 *
 * <p>This replaces a keyed {@code reduce} and a {@code flatMap}: Flink's batch reduce keeps its running
 * value in keyed state and registers a timer per key to emit it, about a fifth of this stage's CPU for
 * a million keys. Per task it also counts its findings ({@link FindingStats}, on {@link #STATS} at the
 * end of its input).
 */
final class DuplicateGroupsOperator extends AbstractStreamOperator<Finding>
        implements OneInputStreamOperator<Tuple3<Long, Long, byte[]>, Finding>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    static final OutputTag<ScanOutput> STATS = new OutputTag<>("duplicate-stats", TypeInformation.of(ScanOutput.class));

    private final DuplicateDetector detector;
    private final FindingFactory factory;
    private final int topFindings;

    private transient long runKey;
    private transient boolean inRun;
    /** The run's distinct low halves, with each one's first row (as it came) and, from its second, the merged group. */
    private transient List<Open> open;
    private transient FindingStats stats;

    private static final class Open {
        final long keyLo;
        final byte[] first;
        DuplicateGroup merged;

        Open(long keyLo, byte[] first) {
            this.keyLo = keyLo;
            this.first = first;
        }
    }

    DuplicateGroupsOperator(DuplicateDetector detector, FindingFactory factory, int topFindings) {
        this.detector = detector;
        this.factory = factory;
        this.topFindings = topFindings;
    }

    @Override
    public void open() throws Exception {
        super.open();
        open = new ArrayList<>(2);
        stats = new FindingStats(topFindings);
    }

    @Override
    public void processElement(StreamRecord<Tuple3<Long, Long, byte[]>> element) {
        Tuple3<Long, Long, byte[]> row = element.getValue();
        long hi = row.f0;
        long lo = row.f1;
        if (!inRun || hi != runKey) {
            closeRun();
            runKey = hi;
            inRun = true;
        }
        for (Open o : open) {
            if (o.keyLo == lo) {
                int cap = detector.settings().maxMembersListed();
                DuplicateGroup sofar = o.merged != null ? o.merged : DuplicateGroup.fromBytes(hi, lo, cap, o.first);
                o.merged = DuplicateGroup.merge(sofar, DuplicateGroup.fromBytes(hi, lo, cap, row.f2));
                return;
            }
        }
        // Object reuse is on: the record's array may be refilled, so the run keeps its own.
        open.add(new Open(lo, row.f2.clone()));
    }

    private void closeRun() {
        for (Open o : open) {
            DuplicateGroup g = o.merged; // null for a row alone (min-copies is at least 2): never decoded
            if (g != null && detector.isFlagged(g)) {
                for (DuplicateDetector.MemberFinding m : detector.findings(g)) {
                    Finding f = factory.row(m.detector(), m.threat(), m.kind(), m.rowId(), m.rowIndex(), m.fileIndex(), m.detection());
                    stats.add(f);
                    output.collect(new StreamRecord<>(f));
                }
            }
        }
        open.clear();
        inRun = false;
    }

    @Override
    public void endInput() {
        closeRun();
        output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.FINDING_STATS, Serialization.toBytes(stats))));
    }
}
