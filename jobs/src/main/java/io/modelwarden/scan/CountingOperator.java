package io.modelwarden.scan;

import io.modelwarden.connect.RejectedRow;
import java.util.TreeMap;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** Counts rejected rows by reason in each task and emits the counts at the end of input. */
final class CountingOperator extends AbstractStreamOperator<ScanOutput> implements OneInputStreamOperator<RejectedRow, ScanOutput>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private transient TreeMap<String, Long> counts;

    @Override
    public void open() throws Exception {
        super.open();
        counts = new TreeMap<>();
    }

    @Override
    public void processElement(StreamRecord<RejectedRow> element) {
        counts.merge(element.getValue().reason, 1L, Long::sum);
    }

    @Override
    public void endInput() {
        output.collect(new StreamRecord<>(new ScanOutput(ScanOutput.REJECTED_COUNTS, Serialization.toBytes(counts))));
    }
}
