package io.modelwarden.scan;

import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.DuplicateBucket;
import io.modelwarden.detect.poisoning.DuplicateDetector;
import io.modelwarden.detect.poisoning.DuplicateGroup;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.Finding;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The duplicate detector's grouping: rows keyed by their {@link
 * io.modelwarden.detect.poisoning.NearDuplicateHash} bucket, which a BATCH job sorts, so the rows of
 * one bucket arrive one after the other. The operator fills a {@link DuplicateBucket} with them and,
 * when the bucket ends, turns its flagged groups into candidate findings, of which {@link
 * DuplicateFindingsOperator} keeps one per row and detector. Memory: one bucket (at most {@code
 * max-bucket-rows} distinct rows; rows over it are counted in the metric {@code rowsOverBucketCap} and
 * logged for the first buckets). At the end of its input each task sends the extra copies it counted
 * ({@link DuplicateBucket#extraCopies}) on {@link #EXTRA_COPIES}, for {@link DuplicateRateOperator}.
 *
 * <p>This replaces a keyed {@code reduce} and a {@code flatMap}: Flink's batch reduce keeps its running
 * value in keyed state and registers a timer per key to emit it, about a fifth of this stage's CPU for
 * a million keys.
 */
final class DuplicateGroupsOperator extends AbstractStreamOperator<Finding>
        implements OneInputStreamOperator<Tuple2<Long, byte[]>, Finding>, BoundedOneInput {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(DuplicateGroupsOperator.class);
    /** Buckets over the cap logged one by one; then only counted. */
    private static final int LOGGED_FULL_BUCKETS = 10;
    static final OutputTag<Long> EXTRA_COPIES = new OutputTag<>("extra-copies", Types.LONG);

    private final DuplicateDetector detector;
    private final FindingFactory factory;

    private transient DuplicateBucket bucket;
    private transient boolean inBucket;
    private transient int fullBuckets;
    private transient long extraCopies;
    private transient Counter rowsOverBucketCap;

    DuplicateGroupsOperator(DuplicateDetector detector, FindingFactory factory) {
        this.detector = detector;
        this.factory = factory;
    }

    @Override
    public void open() throws Exception {
        super.open();
        bucket = new DuplicateBucket(detector.settings());
        rowsOverBucketCap = WardenMetrics.group(getMetricGroup()).counter("rowsOverBucketCap");
    }

    @Override
    public void processElement(StreamRecord<Tuple2<Long, byte[]>> element) {
        Tuple2<Long, byte[]> row = element.getValue();
        long key = row.f0;
        if (!inBucket || key != bucket.key()) {
            closeBucket();
            bucket.reset(key);
            inBucket = true;
        }
        // Object reuse is on: the record's array may be refilled, so the bucket keeps its own.
        bucket.add(row.f1.clone());
    }

    private void closeBucket() {
        if (!inBucket) {
            return;
        }
        if (bucket.overCap() > 0) {
            rowsOverBucketCap.inc(bucket.overCap());
            if (fullBuckets++ < LOGGED_FULL_BUCKETS) {
                LOG.warn("Duplicate bucket {} holds more than {} distinct rows (scan.detectors.duplicates.max-bucket-rows): "
                        + "{} more rows were matched to their exact copies only", Long.toHexString(bucket.key()), bucket.distinctRows(), bucket.overCap());
            }
        }
        for (DuplicateGroup g : bucket.groups()) {
            if (detector.isFlagged(g)) {
                for (DuplicateDetector.MemberFinding m : detector.findings(g)) {
                    output.collect(new StreamRecord<>(factory.row(m.detector(), m.threat(), m.kind(), m.rowId(), m.rowIndex(), m.fileIndex(), m.detection())));
                }
            }
        }
        extraCopies += bucket.extraCopies();
        inBucket = false;
    }

    @Override
    public void endInput() {
        closeBucket();
        output.collect(EXTRA_COPIES, new StreamRecord<>(extraCopies));
        if (fullBuckets > LOGGED_FULL_BUCKETS) {
            LOG.warn("{} duplicate buckets in all held more than scan.detectors.duplicates.max-bucket-rows distinct rows", fullBuckets);
        }
    }
}
