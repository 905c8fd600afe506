package io.modelwarden.scan;

import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.DatasetDetection;
import io.modelwarden.detect.poisoning.DuplicateRate;
import io.modelwarden.detect.poisoning.DuplicateSettings;
import io.modelwarden.model.Finding;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The scan's duplicate rate (parallelism 1): sums the extra copies the grouping's tasks counted and,
 * at the end, sends the total on {@link #STATS} ({@link ScanOutput#EXTRA_COPIES}, for summary.json and
 * the baseline) and, with a baseline, the {@code duplicate_rate} dataset finding when the share of extra
 * copies exceeds the baseline's ({@link DuplicateRate#excess}), with its {@link FindingStats}. One long
 * per grouping task in, at most one finding out.
 */
final class DuplicateRateOperator extends AbstractStreamOperator<Finding> implements OneInputStreamOperator<Long, Finding>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    static final OutputTag<ScanOutput> STATS = new OutputTag<>("duplicate-rate-stats", TypeInformation.of(ScanOutput.class));

    private final DuplicateSettings settings;
    private final DuplicateRate baseline;
    private final long rows;
    private final FindingFactory factory;
    private transient long extraCopies;

    /** @param baseline the baseline's rate, or null (then only the total is sent) */
    DuplicateRateOperator(DuplicateSettings settings, DuplicateRate baseline, long rows, FindingFactory factory) {
        this.settings = settings;
        this.baseline = baseline;
        this.rows = rows;
        this.factory = factory;
    }

    @Override
    public void processElement(StreamRecord<Long> element) {
        extraCopies += element.getValue();
    }

    @Override
    public void endInput() {
        output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.EXTRA_COPIES, ByteBuffer.allocate(Long.BYTES).putLong(extraCopies).array())));
        Optional<DatasetDetection> excess = baseline == null ? Optional.empty() : baseline.excess(rows, extraCopies, settings);
        FindingStats stats = new FindingStats(1);
        excess.ifPresent(d -> {
            Finding f = factory.dataset(d.detector(), d.threat(), d.kind(), d.subject(), d.detection());
            stats.add(f);
            output.collect(new StreamRecord<>(f));
        });
        output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.FINDING_STATS, Serialization.toBytes(stats))));
    }

    /** The total of a {@link ScanOutput#EXTRA_COPIES} payload. */
    static long extraCopies(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong();
    }
}
