package io.modelwarden.scan;

import io.modelwarden.model.Finding;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * One duplicate finding per row and detector: a row goes to 1.4 buckets of the duplicate grouping
 * on average and may be found in each (with the same copies, or with the copies each bucket holds). Keyed
 * by finding id (detector, kind and row), which a BATCH job sorts; of a run it keeps the highest score
 * (the most copies, or the largest majority), ties broken by the evidence's text, so the choice does
 * not depend on arrival order. Per task it counts the findings it keeps ({@link FindingStats}, on
 * {@link #STATS} at the end of its input). Memory: one finding.
 */
final class DuplicateFindingsOperator extends AbstractStreamOperator<Finding>
        implements OneInputStreamOperator<Finding, Finding>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    static final OutputTag<ScanOutput> STATS = new OutputTag<>("duplicate-stats", TypeInformation.of(ScanOutput.class));

    private final int topFindings;
    private transient Finding best;
    private transient FindingStats stats;

    DuplicateFindingsOperator(int topFindings) {
        this.topFindings = topFindings;
    }

    @Override
    public void open() throws Exception {
        super.open();
        stats = new FindingStats(topFindings);
    }

    @Override
    public void processElement(StreamRecord<Finding> element) {
        Finding f = element.getValue();
        if (best != null && !best.findingId.equals(f.findingId)) {
            emit();
        }
        if (best == null || better(f, best)) {
            best = f.copy(); // object reuse is on: the record may be refilled
        }
    }

    static boolean better(Finding a, Finding b) {
        int c = Double.compare(a.score, b.score);
        return c > 0 || (c == 0 && a.evidenceJson.compareTo(b.evidenceJson) < 0);
    }

    private void emit() {
        stats.add(best);
        output.collect(new StreamRecord<>(best));
        best = null;
    }

    @Override
    public void endInput() {
        if (best != null) {
            emit();
        }
        output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.FINDING_STATS, Serialization.toBytes(stats))));
    }
}
