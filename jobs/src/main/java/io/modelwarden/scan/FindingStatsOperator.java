package io.modelwarden.scan;

import io.modelwarden.model.Finding;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Folds findings into {@link FindingStats} per task and emits them at the end of input. */
final class FindingStatsOperator extends AbstractStreamOperator<ScanOutput> implements OneInputStreamOperator<Finding, ScanOutput>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private final int top;
    private transient FindingStats stats;

    FindingStatsOperator(int top) {
        this.top = top;
    }

    @Override
    public void open() throws Exception {
        super.open();
        stats = new FindingStats(top);
    }

    @Override
    public void processElement(StreamRecord<Finding> element) {
        stats.add(element.getValue());
    }

    @Override
    public void endInput() {
        output.collect(new StreamRecord<>(new ScanOutput(ScanOutput.FINDING_STATS, Serialization.toBytes(stats))));
    }
}
