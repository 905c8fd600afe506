package io.modelwarden.scan;

import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.model.TrainingRow;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * First pass: each parallel task folds its rows into a {@link ScanProfile} and emits it once, at the
 * end of its input; the client merges the partial profiles. Memory per task is the profile's fixed
 * size, whatever the row count.
 */
final class ProfileOperator extends AbstractStreamOperator<ScanOutput> implements OneInputStreamOperator<TrainingRow, ScanOutput>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final String[] featureNames;
    private final String[] categoryNames;
    private final int maxCategories;
    private final int sampleSize;
    private final long seed;
    private transient ScanProfile profile;

    ProfileOperator(String[] featureNames, String[] categoryNames, int maxCategories, int sampleSize, long seed) {
        this.featureNames = featureNames;
        this.categoryNames = categoryNames;
        this.maxCategories = maxCategories;
        this.sampleSize = sampleSize;
        this.seed = seed;
    }

    @Override
    public void open() throws Exception {
        super.open();
        profile = new ScanProfile(featureNames, categoryNames, maxCategories, sampleSize, seed);
    }

    @Override
    public void processElement(StreamRecord<TrainingRow> element) {
        profile.add(element.getValue());
    }

    @Override
    public void endInput() {
        output.collect(new StreamRecord<>(new ScanOutput(ScanOutput.PROFILE, profile.toBytes())));
    }
}
