package io.modelwarden.scan;

import io.modelwarden.baseline.TrainingFingerprints;
import io.modelwarden.detect.Detection;
import io.modelwarden.detect.poisoning.DuplicateGroup;
import io.modelwarden.detect.poisoning.DuplicateKeys;
import io.modelwarden.detect.poisoning.NearDuplicateHash;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.json.Json;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.Finding;
import io.modelwarden.model.TrainingRow;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Second pass: scores every row with every fitted row detector. Flagged rows become findings on the
 * main output; each task also keeps a score histogram per detector (for the report) and the counts and
 * worst of its findings ({@link FindingStats}), and emits them on {@link #STATS} at the end of its
 * input, with the training-row fingerprints for the baseline. For the
 * duplicate detector each row leaves as a one-member {@link DuplicateGroup}, encoded with its nearness
 * sketch, on {@link #DUPLICATES}, once per {@link NearDuplicateHash} bucket it goes to (1.4 on average),
 * keyed downstream. Per row: one z-scoring plus each detector's score, 16 projections and two 128-bit
 * hashes; evidence is built only for flagged rows. Metrics ({@link WardenMetrics}): {@code rowsScored},
 * {@code findingsEmitted}, and {@code findings} per kind and detector.
 */
final class ScoreOperator extends AbstractStreamOperator<Finding> implements OneInputStreamOperator<TrainingRow, Finding>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    static final OutputTag<ScanOutput> STATS = new OutputTag<>("score-stats", TypeInformation.of(ScanOutput.class));
    /** (bucket, the one-row {@link DuplicateGroup} as {@link DuplicateGroup#oneRowBytes}). */
    static final OutputTag<Tuple2<Long, byte[]>> DUPLICATES = new OutputTag<>("duplicate-keys", DetectorSuite.ENCODED_ROW);

    private final ScanModel model;
    private final int topFindings;

    private transient RowDetector[] detectors;
    private transient double[] thresholds;
    private transient long[][] slots;
    private transient ScoreStats stats;
    private transient double[] z;
    private transient Counter rowsScored;
    private transient Counter findingsEmitted;
    private transient Counter[] findingsByDetector;
    private transient TrainingFingerprints fingerprints;
    private transient NearDuplicateHash nearDuplicates;
    private transient double[] projections;
    private transient long[] buckets;
    private transient byte[] sketch;
    private transient int[] copyCategories;

    private transient FindingStats findingStats;
    /** The value each feature's missing value is scored with; null when missing values were rejected. */
    private transient double[] fill;
    private transient String[] featureNames;

    /** @param topFindings how many of the worst findings each task keeps for the report */
    ScoreOperator(ScanModel model, int topFindings) {
        this.model = model;
        this.topFindings = topFindings;
    }

    @Override
    public void open() throws Exception {
        super.open();
        detectors = model.detectors().toArray(new RowDetector[0]);
        thresholds = new double[detectors.length];
        slots = new long[detectors.length][];
        stats = new ScoreStats();
        findingStats = new FindingStats(topFindings);
        for (int i = 0; i < detectors.length; i++) {
            thresholds[i] = detectors[i].threshold();
            slots[i] = stats.slot(detectors[i].id());
        }
        z = new double[model.standardizer().dimensions()];
        fill = model.fill();
        featureNames = model.featureNames();
        var group = WardenMetrics.group(getMetricGroup());
        rowsScored = group.counter("rowsScored");
        findingsEmitted = group.counter("findingsEmitted");
        Map<String, String> kinds = new LinkedHashMap<>();
        for (RowDetector d : detectors) {
            kinds.put(d.id(), d.kind().name());
        }
        Map<String, Counter> byId = WardenMetrics.labelled(group, "findings", "kind", kinds);
        findingsByDetector = new Counter[detectors.length];
        for (int i = 0; i < detectors.length; i++) {
            findingsByDetector[i] = byId.get(detectors[i].id());
        }
        if (model.fingerprints() != null) {
            fingerprints = TrainingFingerprints.create(model.expectedRows(), model.fingerprints());
        }
        nearDuplicates = model.nearDuplicates();
        projections = new double[NearDuplicateHash.DIRECTIONS];
        buckets = new long[1 << NearDuplicateHash.MAX_FLIPS];
        sketch = new byte[NearDuplicateHash.DIRECTIONS];
        copyCategories = model.copyCategories();
    }

    @Override
    public void processElement(StreamRecord<TrainingRow> element) {
        TrainingRow row = element.getValue();
        Map<String, Object> imputed = fill == null ? null : fillMissing(row.features);
        model.standardizer().apply(row.features, z);
        for (int i = 0; i < detectors.length; i++) {
            RowDetector d = detectors[i];
            double s = d.score(row, z);
            long[] slot = slots[i];
            slot[ScoreStats.bin(s)]++;
            if (s >= thresholds[i]) {
                slot[ScoreStats.BINS]++;
                Detection why = d.explain(row, z, s);
                if (imputed != null) {
                    Map<String, Object> evidence = new LinkedHashMap<>(why.evidence());
                    evidence.put("imputed", imputed); // which values the row lacked, and what it was scored with
                    why = new Detection(why.score(), evidence);
                }
                Finding f = model.findings().row(d.id(), d.threat(), d.kind(), row.rowId, row.rowIndex, row.fileIndex, why);
                output.collect(new StreamRecord<>(f));
                findingStats.add(f);
                findingsEmitted.inc();
                findingsByDetector[i].inc();
            }
        }
        if (nearDuplicates != null) {
            nearDuplicates.project(z, projections);
            int n = nearDuplicates.buckets(projections, buckets);
            nearDuplicates.sketch(projections, sketch, 0);
            // One array for every bucket: each record is serialised into the keyed shuffle as it leaves.
            // Only rows with the same category values share a bucket or an exact key (0: the dataset has
            // none, or only identifying ones).
            long categories = DuplicateKeys.categoryHash(row.categories, copyCategories);
            byte[] group = DuplicateGroup.oneRowBytes(row, DuplicateKeys.exactKey(row.features, categories), sketch, imputedJson(imputed));
            for (int i = 0; i < n; i++) {
                // Serialised as it leaves, so the mark may change: bucket 0 is the row's own (no border crossed).
                DuplicateGroup.markHome(group, i == 0);
                output.collect(DUPLICATES, new StreamRecord<>(Tuple2.of(buckets[i] ^ categories, group)));
            }
        } else if (model.duplicates() != null) {
            // Radius 0, exact copies only: one record per row, its bucket the exact key (the sketch unused).
            long[] exact = DuplicateKeys.exactKey(row.features, DuplicateKeys.categoryHash(row.categories, copyCategories));
            byte[] group = DuplicateGroup.oneRowBytes(row, exact, sketch, imputedJson(imputed));
            DuplicateGroup.markHome(group, true);
            output.collect(DUPLICATES, new StreamRecord<>(Tuple2.of(exact[0], group)));
        }
        if (fingerprints != null) {
            fingerprints.add(z);
        }
        rowsScored.inc();
    }

    /** The filled-in values as the duplicate grouping carries them to its findings: JSON, or "" for none. */
    private static String imputedJson(Map<String, Object> imputed) {
        return imputed == null ? "" : Json.write(imputed);
    }

    /** Fills the row's missing values in place; returns {feature: value scored with}, or null when none was missing. */
    private Map<String, Object> fillMissing(double[] x) {
        Map<String, Object> imputed = null;
        for (int j = 0; j < x.length; j++) {
            if (Double.isNaN(x[j])) {
                if (imputed == null) {
                    imputed = new LinkedHashMap<>();
                }
                x[j] = fill[j];
                imputed.put(featureNames[j], fill[j]);
            }
        }
        return imputed;
    }

    @Override
    public void endInput() {
        output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.SCORE_STATS, Serialization.toBytes(stats))));
        output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.FINDING_STATS, Serialization.toBytes(findingStats))));
        if (fingerprints != null) {
            output.collect(STATS, new StreamRecord<>(new ScanOutput(ScanOutput.FINGERPRINTS, fingerprints.toBytes())));
        }
    }
}
