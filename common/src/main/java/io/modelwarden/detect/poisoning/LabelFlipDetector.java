package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.ColumnDistances;
import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.PackedStrings;
import io.modelwarden.model.Threat;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Hashing;
import io.modelwarden.stats.Tails;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Label-flip detector: kNN label sanitisation (Paudice, Munoz-Gonzalez, Lupu, "Label Sanitization
 * against Label Flipping Poisoning Attacks", ECML PKDD 2018 workshops) refined with confident
 * learning (Northcutt, Jiang, Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels",
 * JAIR 2021; cleanlab's {@code prune_by_noise_rate}).
 *
 * <p><b>Attack targeted:</b> label flipping, where an attacker changes the labels of some training
 * rows and leaves the features alone; a {@link FindingKind#LABEL_FLIP} finding that suggests the
 * label the row's neighbourhood carries. Evasions: flips placed on class boundaries (optimal
 * label-flip attacks) and clustered flips that form a consistent neighbourhood of their own.
 *
 * <p><b>Signal:</b> the k nearest neighbours of the row in z-space among the reference sample (the row
 * itself excluded when it is in the sample, by file and row index) give the neighbour label
 * distribution p_hat; the suggested label l* is its majority (a tie with the given label y keeps y).
 * Paudice et al. flag the row when l* != y and the agreement p_hat(l*) >= eta. Confident learning then
 * decides how many of those to believe, calibrated at fit time on leave-one-out p_hat of the sample:
 *
 * <ol>
 *   <li>per-class threshold t(j) = mean p_hat(j) over the sample rows labelled j;
 *   <li>confident joint C(i, j) = sample rows labelled i whose most likely class among those with
 *       p_hat(j) >= t(j) is j, calibrated so that each row i sums to the count of label i; its
 *       off-diagonal cells estimate how many rows labelled i truly belong to j;
 *   <li>prune by noise rate: the margin cut m(i, j) is the C(i, j)-th largest margin p_hat(j) - p_hat(i)
 *       among sample rows labelled i (never, when the estimate rounds to 0).
 * </ol>
 *
 * A row is flagged when l* != y, p_hat(l*) >= eta and p_hat(l*) - p_hat(y) >= m(y, l*): a quantile cut
 * learnt on the sample and applied to every row. (Requiring p_hat(l*) >= t(l*) for every flagged row
 * instead is a knife edge with k = 10: p_hat moves in steps of 0.1 and t(j) sits near 0.9 at a 5%
 * flip rate, so whether 9 of 10 agreeing neighbours suffice depends on the third decimal of t(j).)
 *
 * <p><b>Against a baseline</b> (the detector's {@code noise_rates} in a trusted scan's baseline: per
 * given and suggested label, the share of the sample's rows of the given label that the confident
 * joint put under the suggested one, counted with the class thresholds t(j) it also holds, which this
 * sample's joint is then counted with when the baseline knows all of its labels). Where classes overlap, confident learning counts the overlap
 * as noise (cleanlab's estimate conflates the two): 4 features of the project's generator put a
 * quarter of clean rows off the diagonal. A trusted baseline measured that confusion on data nobody
 * tampered with, so the expected count of cell (i, j) in this sample is its rate times the rows
 * labelled i, and prune by noise rate prunes only the excess C(i, j) - expected, and only when it is
 * more than {@code max-excess-ratio} of the expected count and C(i, j) is improbable under
 * Poisson(expected) (p below {@code max-p-value}); otherwise the cell flags nothing. (The ratio is
 * there because a cell is no count of independent rows: neighbourhoods overlap, and between clean
 * samples of the same overlapping data a cell moved by up to a fifth.) On separable data the
 * baseline's cells are about 0 and nothing changes. The whole sample's excess is a dataset-level
 * finding ({@link #noiseExcess}).
 *
 * <p><b>Score and threshold:</b> a flagged row scores 1 - p_hat(y) (one minus cleanlab's
 * self-confidence), which is at least p_hat(l*) >= eta; an unflagged row scores 0, and so does a row
 * whose label never occurs in the sample (a new class is a SCHEMA matter) or that has no label.
 * {@link #threshold()} is eta, so {@code score >= threshold()} exactly when the row is flagged.
 *
 * <p><b>Neighbour search:</b> approximate, by a forest of randomised k-d trees over the sample (Silpa-Anan
 * and Hartley 2008, as in FLANN): each inner node cuts, at the median, one of the five features of
 * largest variance at the node (chosen at random), down to leaves of at most {@code leaf-size} rows.
 * A row's candidates are the union of the leaves it falls into, one per tree; exact distances to them
 * keep the k best.
 *
 * <p><b>Cost:</b> fitting O(T n log n) for the trees plus one leave-one-out query per sample row. Per row
 * O(T log2(n / leaf-size)) comparisons plus T x leaf-size distances of d features: with the defaults
 * about 4 x 10 x 30 = 1,200 multiply-adds for d = 30 and n = 20,000 (leaves of 16 hold about 10 rows).
 * Each leaf keeps its rows column-major, so its distances are one vector loop per feature (the JDK's
 * Vector API when the JVM has {@code jdk.incubator.vector}, else a plain loop with the same result to
 * the bit, {@link ColumnDistances}), allocation-free (a per-thread scratch buffer of O(k + d +
 * leaf-size), also used by {@link #explain}). A candidate's row number is looked up only when it
 * enters the k best, which is also where a row met in several trees' leaves is dropped (it has the
 * same distance). {@link #explain} right after {@link #score} of the same row reuses its search.
 * Memory: the sample's z-scored features as floats, once plus once per tree in leaf blocks ((T + 1) n d
 * floats: 12 MB for T = 4, n = 20,000, d = 30), T
 * permutations of n ints, about 2 n / leaf-size nodes of 16 bytes per tree (one cache line per step
 * down; the T trees are descended together, so their reads overlap).
 *
 * <p><b>Parameters</b> ({@link LabelFlipSettings}, {@code scan.detectors.label-flip.*}): {@code
 * neighbours} k = 10, {@code min-agreement} eta = 0.5, {@code trees} = 4, {@code leaf-size} = 16, and
 * the seed derived from {@code scan.seed}. The reference sample is {@code scan.reference-sample-size}
 * (20,000) rows.
 */
public final class LabelFlipDetector implements RowDetector {
    private static final long serialVersionUID = 1L;

    public static final String ID = "knn_label";
    private static final int LISTED_NEIGHBOURS = 5;
    private static final int NO_SAMPLE_ROW = -1;
    /** cleanlab compares p_hat with the thresholds with this tolerance. */
    private static final double THRESHOLD_TOLERANCE = 1e-6;
    /** Features of largest variance among which a k-d node picks its split (FLANN's RAND_DIM). */
    private static final int SPLIT_CANDIDATES = 5;
    /** Rows a k-d node looks at to estimate feature variances. */
    private static final int VARIANCE_SAMPLE = 128;
    private static final ColumnDistances DISTANCES = ColumnDistances.get();
    /**
     * The fit's leave-one-out queries run once, in code the JIT has not compiled yet, where the Vector
     * API's operations are objects (many times slower than plain Java); the plain kernel gives the same
     * distances to the bit.
     */
    private static final ColumnDistances COLD_DISTANCES = new ColumnDistances.Scalar();

    private final LabelFlipSettings settings;
    private final int d;
    private final int n;
    /** The sample's z-scored features, row-major n x d. */
    private final float[] points;
    private final int[] labelOf;
    /** Open-addressing table (file, row index) -> sample position, to exclude a sample row from its own neighbours. */
    private final long[] selfKeys;
    private final int[] selfSlots;
    private final long[] rowIndexOf;
    private final int[] fileIndexOf;
    private transient String[] rowIdOf; // serialised packed (writeObject)
    /** Sorted distinct labels of the sample; a class id is an index into it. */
    private final String[] classes;
    private final HashMap<String, Integer> classIds;
    private final int[] classCount;

    private final int[] roots;
    /**
     * The forest, flat, two longs per node so that a step of the descent reads one cache line. Word
     * 2i: the split feature in the high half (< 0 for a leaf), in the low half the first child (the
     * second is next to it) or, for a leaf, the first slot of its rows. Word 2i + 1: the cut's bits, or
     * for a leaf the offset of its block in {@link #leafColumns} in the high half and the end of its
     * slots in the low half: rows perm[first, end).
     */
    private final long[] nodes;
    private final int[] perm;
    /**
     * Each leaf's rows once more, column-major in a block of their own (feature j of the leaf's i-th row
     * at {@code offset + j * stride + i}, the stride its row count): a leaf's distances
     * are one vector loop per feature ({@link ColumnDistances}) instead of one loop per candidate.
     */
    private final float[] leafColumns;

    // Confident learning, calibrated on the sample.
    private final double[] classThreshold;
    /** Calibrated confident joint, [given][true], on the sample. */
    private final double[][] confidentJoint;
    /** Margin cut m(i, j) of prune-by-noise-rate, [given][suggested]; +infinity: never flag. */
    private final double[][] marginCut;
    /**
     * Against a baseline: the count of cell (i, j) its confusion rates predict for this sample,
     * [given][suggested]; null without one.
     */
    private final double[][] expectedFlips;
    /** The trusted scan's thresholds and confusion rates; null without a baseline. */
    private final Reference baseline;

    /**
     * What a trusted scan's label-flip detector tells a later one ({@link #reference()}; in its
     * baseline, {@code class_thresholds} and {@code noise_rates} of the detector's entry).
     *
     * @param thresholds per label, the class threshold t(j) its confident joint was counted with
     * @param noiseRates per given label, per other label, C(i, j) / n(i)
     */
    public record Reference(Map<String, Double> thresholds, Map<String, Map<String, Double>> noiseRates) implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
    }

    private transient ThreadLocal<Scratch> scratch;

    /** Per-thread buffers of the per-row path. */
    private static final class Scratch {
        final int[] bestIdx;
        final float[] bestDist;
        final int[] counts;
        /** The query as floats. */
        final float[] q;
        /**
         * The last query searched, its excluded sample row and the count it found (-1: none): {@link
         * #explain} of a flagged row, called right after {@link #score} of it, reuses that search.
         */
        final double[] lastQuery;
        int lastSelf;
        int lastFound = -1;
        /** Per tree, the node the query has reached. */
        final int[] leaves;
        /** Squared distances to a leaf's rows. */
        final float[] leafDistances;

        Scratch(int k, int classes, int d, int trees, int maxLeafStride) {
            q = new float[d];
            leafDistances = new float[maxLeafStride];
            leaves = new int[trees];
            lastQuery = new double[d];
            bestIdx = new int[k];
            bestDist = new float[k];
            counts = new int[classes];
        }
    }

    private LabelFlipDetector(LabelFlipSettings settings, int d, float[] points, int[] labelOf, long[] rowIndexOf,
            int[] fileIndexOf, String[] rowIdOf, String[] classes, Forest forest, Reference baseline) {
        this.settings = settings;
        this.d = d;
        this.n = labelOf.length;
        this.points = points;
        this.labelOf = labelOf;
        this.rowIndexOf = rowIndexOf;
        this.fileIndexOf = fileIndexOf;
        this.rowIdOf = rowIdOf;
        int tableSize = Integer.highestOneBit(Math.max(2, n) * 2 - 1) << 1;
        this.selfKeys = new long[tableSize];
        this.selfSlots = new int[tableSize];
        Arrays.fill(selfSlots, NO_SAMPLE_ROW);
        for (int i = 0; i < n; i++) {
            long key = rowKey(fileIndexOf[i], rowIndexOf[i]);
            int h = (int) Hashing.mix64(key) & (tableSize - 1);
            while (selfSlots[h] != NO_SAMPLE_ROW && selfKeys[h] != key) {
                h = (h + 1) & (tableSize - 1);
            }
            selfKeys[h] = key;
            selfSlots[h] = i;
        }
        this.classes = classes;
        this.classIds = new HashMap<>();
        for (int c = 0; c < classes.length; c++) {
            classIds.put(classes[c], c);
        }
        this.classCount = new int[classes.length];
        for (int label : labelOf) {
            classCount[label]++;
        }
        this.roots = forest.roots;
        this.perm = forest.perm;
        this.nodes = new long[2 * forest.count];
        long blockFloats = 0;
        for (int i = 0; i < forest.count; i++) {
            if (forest.split[i] < 0) {
                blockFloats += (long) d * leafStride(forest.leafEnd[i] - forest.child[i]);
            }
        }
        if (blockFloats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("the label-flip index of " + n + " rows x " + d + " features is too large; lower scan.reference-sample-size");
        }
        this.leafColumns = new float[(int) blockFloats];
        int offset = 0;
        for (int i = 0; i < forest.count; i++) {
            boolean leaf = forest.split[i] < 0;
            nodes[2 * i] = ((long) forest.split[i] << 32) | (forest.child[i] & 0xffffffffL);
            if (!leaf) {
                nodes[2 * i + 1] = Double.doubleToRawLongBits(forest.cut[i]);
                continue;
            }
            int first = forest.child[i];
            int rows = forest.leafEnd[i] - first;
            int stride = leafStride(rows);
            for (int r = 0; r < rows; r++) {
                int from = perm[first + r] * d;
                for (int j = 0; j < d; j++) {
                    leafColumns[offset + j * stride + r] = points[from + j];
                }
            }
            nodes[2 * i + 1] = ((long) offset << 32) | (forest.leafEnd[i] & 0xffffffffL);
            offset += d * stride;
        }
        int c = classes.length;
        this.classThreshold = new double[c];
        this.confidentJoint = new double[c][c];
        this.marginCut = new double[c][c];
        this.baseline = baseline;
        this.expectedFlips = baseline == null ? null : new double[c][c];
        for (int i = 0; i < c && expectedFlips != null; i++) {
            // A label the baseline lacks has no confusion of its own there: its cells expect 0.
            Map<String, Double> from = baseline.noiseRates().getOrDefault(classes[i], Map.of());
            for (int j = 0; j < c; j++) {
                expectedFlips[i][j] = i == j ? 0.0 : from.getOrDefault(classes[j], 0.0) * classCount[i];
            }
        }
        calibrate();
    }

    /**
     * Builds the neighbour index on the labelled rows of the reference sample and calibrates confident
     * learning with leave-one-out queries.
     *
     * @param sample the reference sample (rows without a label are skipped)
     * @param z the profile's standardizer, the same one that z-scores the rows passed to {@link #score}
     */
    public static LabelFlipDetector fit(LabelFlipSettings settings, List<TrainingRow> sample, Standardizer z) {
        return fit(settings, sample, z, null);
    }

    /**
     * {@link #fit(LabelFlipSettings, List, Standardizer)} against a trusted baseline's confusion.
     *
     * @param baseline the baseline detector's {@link #reference()}, or null for none
     */
    public static LabelFlipDetector fit(LabelFlipSettings settings, List<TrainingRow> sample, Standardizer z, Reference baseline) {
        TreeSet<String> labels = new TreeSet<>();
        List<TrainingRow> labelled = new ArrayList<>(sample.size());
        for (TrainingRow r : sample) {
            if (r.label != null) {
                labels.add(r.label);
                labelled.add(r);
            }
        }
        String[] classes = labels.toArray(new String[0]);
        Map<String, Integer> ids = new HashMap<>();
        for (int c = 0; c < classes.length; c++) {
            ids.put(classes[c], c);
        }
        int n = labelled.size();
        int d = z.dimensions();
        float[] points = new float[n * d];
        int[] labelOf = new int[n];
        long[] rowIndexOf = new long[n];
        int[] fileIndexOf = new int[n];
        String[] rowIdOf = new String[n];
        double[] buf = new double[d];
        for (int i = 0; i < n; i++) {
            TrainingRow r = labelled.get(i);
            z.apply(r.features, buf);
            for (int j = 0; j < d; j++) {
                points[i * d + j] = (float) buf[j];
            }
            labelOf[i] = ids.get(r.label);
            rowIndexOf[i] = r.rowIndex;
            fileIndexOf[i] = r.fileIndex;
            rowIdOf[i] = r.rowId;
        }
        Forest forest = new Forest(points, n, d, settings);
        return new LabelFlipDetector(settings, d, points, labelOf, rowIndexOf, fileIndexOf, rowIdOf, classes, forest, baseline);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.LABEL_FLIP;
    }

    @Override
    public double score(TrainingRow row, double[] z) {
        if (row.label == null) {
            return 0.0;
        }
        Integer given = classIds.get(row.label);
        if (given == null) {
            return 0.0;
        }
        Scratch s = scratch();
        int found = search(z, samplePosition(row.fileIndex, row.rowIndex), s, DISTANCES);
        return flagScore(s.counts, found, given);
    }

    /** The score of a row with these neighbour label counts and given class: 0 unless flagged. */
    private double flagScore(int[] counts, int found, int given) {
        if (found == 0) {
            return 0.0;
        }
        int suggested = majority(counts, given);
        if (suggested == given) {
            return 0.0;
        }
        double agreement = counts[suggested] / (double) found;
        double margin = (counts[suggested] - counts[given]) / (double) found;
        if (agreement < settings.minAgreement() || margin < marginCut[given][suggested] - THRESHOLD_TOLERANCE) {
            return 0.0;
        }
        // 1 - p_hat(y) >= p_hat(l*) >= eta; the max only guards against rounding.
        return Math.max(settings.minAgreement(), (found - counts[given]) / (double) found);
    }

    /** The label with the most neighbours; a tie with the given label keeps it, other ties the lowest id. */
    private static int majority(int[] counts, int given) {
        int best = given;
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] > counts[best]) {
                best = c;
            }
        }
        return best;
    }

    /** eta: unflagged rows score 0 and flagged rows at least eta (see the class comment). */
    @Override
    public double threshold() {
        return settings.minAgreement();
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        Integer given = row.label == null ? null : classIds.get(row.label);
        Scratch s = scratch(); // the per-thread buffers: a flagged row allocates only its evidence
        int found = search(z, samplePosition(row.fileIndex, row.rowIndex), s, DISTANCES);
        int suggested = majority(s.counts, given == null ? 0 : given);
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("suggested_label", found == 0 ? null : classes[suggested]);
        ev.put("given_label", row.label);
        ev.put("agreement", found == 0 ? 0.0 : s.counts[suggested] / (double) found);
        ev.put("self_confidence", given == null || found == 0 ? 0.0 : s.counts[given] / (double) found);
        Map<String, Object> counts = new LinkedHashMap<>();
        for (int c = 0; c < classes.length; c++) {
            if (s.counts[c] > 0) {
                counts.put(classes[c], s.counts[c]);
            }
        }
        ev.put("neighbour_label_counts", counts);
        ev.put("k", settings.neighbours());
        ev.put("min_agreement", settings.minAgreement());
        ev.put("class_threshold", found == 0 ? 0.0 : classThreshold[suggested]);
        if (given != null && found > 0) {
            ev.put("margin", (s.counts[suggested] - s.counts[given]) / (double) found);
            double m = marginCut[given][suggested];
            ev.put("margin_cut", Double.isInfinite(m) ? null : m);
            ev.put("estimated_flips_in_sample", confidentJoint[given][suggested]);
            if (expectedFlips != null) {
                ev.put("baseline_expected_flips_in_sample", expectedFlips[given][suggested]);
            }
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < Math.min(LISTED_NEIGHBOURS, found); i++) {
            ids.add(rowIdOf[s.bestIdx[i]]);
        }
        ev.put("neighbour_row_ids", ids);
        return Detection.of(score, ev);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("neighbours", settings.neighbours());
        p.put("min_agreement", settings.minAgreement());
        p.put("trees", settings.trees());
        p.put("leaf_size", settings.leafSize());
        p.put("sample_size", n);
        p.put("threshold", threshold());
        Map<String, Object> t = new LinkedHashMap<>();
        Map<String, Object> counts = new LinkedHashMap<>();
        Map<String, Object> joint = new LinkedHashMap<>();
        Map<String, Object> cuts = new LinkedHashMap<>();
        for (int i = 0; i < classes.length; i++) {
            t.put(classes[i], classThreshold[i]);
            counts.put(classes[i], classCount[i]);
            for (int j = 0; j < classes.length; j++) {
                if (i != j) {
                    String cell = classes[i] + "->" + classes[j];
                    joint.put(cell, confidentJoint[i][j]);
                    cuts.put(cell, Double.isInfinite(marginCut[i][j]) ? null : marginCut[i][j]);
                }
            }
        }
        p.put("class_thresholds", t);
        p.put("sample_label_counts", counts);
        p.put("estimated_flips_in_sample", joint);
        p.put("margin_cuts", cuts);
        if (expectedFlips != null) {
            Map<String, Object> expected = new LinkedHashMap<>();
            for (int i = 0; i < classes.length; i++) {
                for (int j = 0; j < classes.length; j++) {
                    if (i != j) {
                        expected.put(classes[i] + "->" + classes[j], expectedFlips[i][j]);
                    }
                }
            }
            p.put("baseline_expected_flips_in_sample", expected);
        }
        p.put(NOISE_RATES, noiseRates());
        return p;
    }

    /** The key of {@link #noiseRates} in {@link #parameters} (and so in a baseline). */
    public static final String NOISE_RATES = "noise_rates";

    /**
     * Per given label, per other label, the share of the sample's rows of the given label that
     * confident learning put under the other ({@code C(i, j) / n(i)}): what a later scan against this
     * one as its baseline expects of its own sample.
     */
    public Map<String, Map<String, Double>> noiseRates() {
        Map<String, Map<String, Double>> rates = new TreeMap<>();
        for (int i = 0; i < classes.length; i++) {
            Map<String, Double> row = new TreeMap<>();
            for (int j = 0; j < classes.length; j++) {
                if (i != j) {
                    row.put(classes[j], classCount[i] == 0 ? 0.0 : confidentJoint[i][j] / classCount[i]);
                }
            }
            rates.put(classes[i], row);
        }
        return rates;
    }

    /** What a later scan against this one compares with: the class thresholds used and the {@link #noiseRates}. */
    public Reference reference() {
        Map<String, Double> t = new TreeMap<>();
        for (int i = 0; i < classes.length; i++) {
            t.put(classes[i], classThreshold[i]);
        }
        return new Reference(t, noiseRates());
    }

    /**
     * The {@link Reference} a baseline's entry for this detector holds, or null when it has none (a
     * baseline before session 11, or of unlabelled data).
     */
    public static Reference reference(Map<String, Object> baselineEntry) {
        if (baselineEntry == null || !(baselineEntry.get(NOISE_RATES) instanceof Map<?, ?> given)
                || !(baselineEntry.get("class_thresholds") instanceof Map<?, ?> thresholds)) {
            return null;
        }
        Map<String, Map<String, Double>> rates = new TreeMap<>();
        for (Map.Entry<?, ?> g : given.entrySet()) {
            Map<String, Double> row = g.getValue() instanceof Map<?, ?> m ? numbers(m) : null;
            if (row == null) {
                return null;
            }
            rates.put(String.valueOf(g.getKey()), row);
        }
        Map<String, Double> t = numbers(thresholds);
        return t == null ? null : new Reference(t, rates);
    }

    /** The map's values as doubles, or null when one is not a number. */
    private static Map<String, Double> numbers(Map<?, ?> m) {
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof Number v)) {
                return null;
            }
            out.put(String.valueOf(e.getKey()), v.doubleValue());
        }
        return out;
    }

    /** The dataset-level detector id of {@link #noiseExcess}. */
    public static final String NOISE_ID = "label_noise";
    /** Class pairs listed in a {@code label_noise} finding. */
    private static final int LISTED_PAIRS = 10;

    /**
     * Against a baseline: a dataset-level LABEL_FLIP finding when the sample's estimated flips (the
     * confident joint off its diagonal) exceed what the baseline's confusion predicts by more than
     * {@link #excessBar} of the sample's rows, with p below {@code max-p-value} under
     * Poisson(expected); empty without a baseline or below either bar. Evidence: the counts and shares,
     * and the class pairs with the largest excess.
     */
    public Optional<DatasetDetection> noiseExcess() {
        if (expectedFlips == null || n == 0) {
            return Optional.empty();
        }
        double estimated = 0;
        double expected = 0;
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (int i = 0; i < classes.length; i++) {
            for (int j = 0; j < classes.length; j++) {
                if (i == j) {
                    continue;
                }
                estimated += confidentJoint[i][j];
                expected += expectedFlips[i][j];
                if (confidentJoint[i][j] > expectedFlips[i][j]) {
                    Map<String, Object> pair = new LinkedHashMap<>();
                    pair.put("given_label", classes[i]);
                    pair.put("suggested_label", classes[j]);
                    pair.put("estimated_flips_in_sample", confidentJoint[i][j]);
                    pair.put("baseline_expected_flips_in_sample", expectedFlips[i][j]);
                    pairs.add(pair);
                }
            }
        }
        pairs.sort((a, b) -> Double.compare(excessOf(b), excessOf(a)));
        double excess = (estimated - expected) / n;
        double p = Tails.poisson(expected, Math.round(estimated));
        double bar = excessBar();
        if (!(excess > bar) || !(p < settings.maxPValue())) {
            return Optional.empty();
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("sample_rows", n);
        ev.put("estimated_flips_in_sample", estimated);
        ev.put("baseline_expected_flips_in_sample", expected);
        ev.put("share", estimated / n);
        ev.put("baseline_share", expected / n);
        ev.put("excess_share", excess);
        ev.put("max_excess_share", bar);
        ev.put("configured_max_excess_share", settings.maxExcessShare());
        ev.put("p_value", p);
        ev.put("max_p_value", settings.maxPValue());
        ev.put("pairs", pairs.subList(0, Math.min(LISTED_PAIRS, pairs.size())));
        double score = excess / (excess + bar);
        return Optional.of(new DatasetDetection(NOISE_ID, Threat.DATA_POISONING, FindingKind.LABEL_FLIP, "__label__",
                Detection.of(score, ev)));
    }

    /** Sample rows {@code max-excess-share} is stated for: the default reference sample. */
    static final int EXCESS_SHARE_ROWS = 20_000;

    /**
     * The excess share {@link #noiseExcess} needs: {@code max-excess-share} for a sample of {@value
     * #EXCESS_SHARE_ROWS} rows, growing as 1 / sqrt(rows) below it. A smaller sample's estimate varies
     * more between clean samples, and lies higher (its neighbours are farther): 10 clean splits of
     * 5,000 rows of 4 overlapping features against a 20,000-row baseline sample moved it by -0.000 to
     * +0.033, of 20,000 rows by +0.001 to +0.015.
     */
    double excessBar() {
        return settings.maxExcessShare() * Math.sqrt(Math.max(1.0, (double) EXCESS_SHARE_ROWS / n));
    }

    private static double excessOf(Map<String, Object> pair) {
        return (double) pair.get("estimated_flips_in_sample") - (double) pair.get("baseline_expected_flips_in_sample");
    }

    public LabelFlipSettings settings() {
        return settings;
    }

    /** The label the row's neighbourhood suggests, or null with no neighbours. */
    public String suggestedLabel(TrainingRow row, double[] z) {
        Scratch s = scratch();
        int found = search(z, samplePosition(row.fileIndex, row.rowIndex), s, DISTANCES);
        if (found == 0) {
            return null;
        }
        Integer given = row.label == null ? null : classIds.get(row.label);
        return classes[majority(s.counts, given == null ? 0 : given)];
    }

    /** t_j per class label. */
    public Map<String, Double> classThresholds() {
        Map<String, Double> t = new LinkedHashMap<>();
        for (int c = 0; c < classes.length; c++) {
            t.put(classes[c], classThreshold[c]);
        }
        return t;
    }

    /** Leave-one-out p_hat of the sample -> t(j), the calibrated confident joint and the margin cuts. */
    private void calibrate() {
        int c = classes.length;
        double[][] pHat = new double[n][c];
        Scratch s = newScratch();
        double[] q = new double[d];
        double[] sum = new double[c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                q[j] = points[i * d + j];
            }
            int found = search(q, i, s, COLD_DISTANCES);
            for (int j = 0; j < c && found > 0; j++) {
                pHat[i][j] = s.counts[j] / (double) found;
            }
            sum[labelOf[i]] += pHat[i][labelOf[i]];
        }
        // Counted with the trusted scan's thresholds, the joint compares with its rates (a sample's own
        // t(j) a step of 1/k lower or higher moves a whole step of rows between cells); only when the
        // baseline knows every label, since a joint counted with a mix of thresholds compares with neither.
        boolean trustedThresholds = baseline != null && baseline.thresholds().keySet().containsAll(List.of(classes));
        for (int j = 0; j < c; j++) {
            classThreshold[j] = trustedThresholds ? baseline.thresholds().get(classes[j])
                    : classCount[j] == 0 ? 0.0 : sum[j] / classCount[j];
        }
        long[][] joint = new long[c][c];
        for (int i = 0; i < n; i++) {
            int best = -1;
            for (int j = 0; j < c; j++) {
                if (pHat[i][j] >= classThreshold[j] - THRESHOLD_TOLERANCE && (best < 0 || pHat[i][j] > pHat[i][best])) {
                    best = j;
                }
            }
            if (best >= 0) {
                joint[labelOf[i]][best]++;
            }
        }
        for (int i = 0; i < c; i++) {
            long rowSum = 0;
            for (int j = 0; j < c; j++) {
                rowSum += joint[i][j];
            }
            // Calibration: the row of label i sums to the number of rows labelled i.
            double scale = rowSum == 0 ? 0.0 : classCount[i] / (double) rowSum;
            double[] margins = new double[classCount[i]];
            for (int j = 0; j < c; j++) {
                confidentJoint[i][j] = joint[i][j] * scale;
                marginCut[i][j] = Double.POSITIVE_INFINITY;
                long prune = Math.round(confidentJoint[i][j]);
                if (expectedFlips != null && i != j) {
                    // Against a baseline: only the flips its own confusion of the pair does not explain.
                    double expected = expectedFlips[i][j];
                    boolean excess = confidentJoint[i][j] - expected > settings.maxExcessRatio() * expected
                            && Tails.poisson(expected, prune) < settings.maxPValue();
                    prune = excess ? Math.round(confidentJoint[i][j] - expected) : 0;
                }
                if (i == j || prune <= 0) {
                    continue;
                }
                int m = 0;
                for (int r = 0; r < n; r++) {
                    if (labelOf[r] == i) {
                        margins[m++] = pHat[r][j] - pHat[r][i];
                    }
                }
                Arrays.sort(margins, 0, m);
                // The prune-th largest margin; cleanlab keeps at least one row of each class.
                int keep = (int) Math.min(prune, m - 1L);
                if (keep > 0) {
                    marginCut[i][j] = margins[m - keep];
                }
            }
        }
    }

    private static long rowKey(int fileIndex, long rowIndex) {
        return ((long) fileIndex << 40) ^ rowIndex;
    }

    /** The sample position of the row (file, row index), or -1 when it is not in the sample. */
    private int samplePosition(int fileIndex, long rowIndex) {
        long key = rowKey(fileIndex, rowIndex);
        int mask = selfKeys.length - 1;
        int h = (int) Hashing.mix64(key) & mask;
        while (selfSlots[h] != NO_SAMPLE_ROW) {
            if (selfKeys[h] == key && rowIndexOf[selfSlots[h]] == rowIndex && fileIndexOf[selfSlots[h]] == fileIndex) {
                return selfSlots[h];
            }
            h = (h + 1) & mask;
        }
        return NO_SAMPLE_ROW;
    }

    private Scratch newScratch() {
        int widest = 0;
        for (int i = 0; i < nodes.length; i += 2) {
            if ((int) (nodes[i] >> 32) < 0) {
                widest = Math.max(widest, leafStride((int) nodes[i + 1] - (int) nodes[i]));
            }
        }
        return new Scratch(settings.neighbours(), classes.length, d, roots.length, widest);
    }

    private Scratch scratch() {
        ThreadLocal<Scratch> tl = scratch;
        if (tl == null) {
            // A benign race: two threads may each install a ThreadLocal; either way each thread owns its buffers.
            tl = ThreadLocal.withInitial(this::newScratch);
            scratch = tl;
        }
        return tl.get();
    }

    /**
     * Approximate k nearest sample rows of q, excluding the sample row {@code selfSample} (the query
     * itself, or -1). Fills s.bestIdx (nearest first) and
     * s.counts (neighbour labels) and returns how many were found (at most k).
     */
    private int search(double[] q, int selfSample, Scratch s, ColumnDistances kernel) {
        final int k = s.bestIdx.length;
        final int[] bestIdx = s.bestIdx;
        final float[] bestDist = s.bestDist;
        final float[] fq = s.q;
        if (s.lastFound >= 0 && s.lastSelf == selfSample && Arrays.equals(q, 0, d, s.lastQuery, 0, d)) {
            return s.lastFound; // bestIdx and counts still hold its result
        }
        s.lastFound = -1;
        for (int j = 0; j < d; j++) {
            if (Double.isNaN(q[j])) {
                Arrays.fill(s.counts, 0);
                return 0; // a row with a missing value has no neighbourhood
            }
            fq[j] = (float) q[j];
        }
        int found = 0;
        float worst = Float.POSITIVE_INFINITY;
        final long[] nodes = this.nodes;
        final int[] at = s.leaves;
        System.arraycopy(roots, 0, at, 0, roots.length);
        // All trees step down together: their node reads do not wait on one another.
        for (boolean moved = true; moved; ) {
            moved = false;
            for (int t = 0; t < at.length; t++) {
                long w = nodes[2 * at[t]];
                int f = (int) (w >> 32);
                if (f >= 0) {
                    at[t] = (int) w + (q[f] <= Double.longBitsToDouble(nodes[2 * at[t] + 1]) ? 0 : 1);
                    moved = true;
                }
            }
        }
        final float[] dists = s.leafDistances;
        for (int node : at) {
            int first = (int) nodes[2 * node];
            long w = nodes[2 * node + 1];
            int rows = (int) w - first;
            kernel.distancesSq(fq, leafColumns, (int) (w >>> 32), leafStride(rows), rows, dists);
            for (int r = 0; r < rows; r++) {
                float dist = dists[r];
                if (!(dist < worst)) {
                    continue; // also drops NaN: a row with a missing value is no neighbour
                }
                int idx = perm[first + r];
                // The query itself is never its own neighbour. A row met again in another tree's leaf
                // has the same distance: it is still among the best (skip it) or was beaten since.
                if (idx == selfSample || contains(bestIdx, found, idx)) {
                    continue;
                }
                int pos = found < k ? found++ : k - 1;
                while (pos > 0 && bestDist[pos - 1] > dist) {
                    bestDist[pos] = bestDist[pos - 1];
                    bestIdx[pos] = bestIdx[pos - 1];
                    pos--;
                }
                bestDist[pos] = dist;
                bestIdx[pos] = idx;
                if (found == k) {
                    worst = bestDist[k - 1];
                }
            }
        }
        Arrays.fill(s.counts, 0);
        for (int b = 0; b < found; b++) {
            s.counts[labelOf[bestIdx[b]]]++;
        }
        System.arraycopy(q, 0, s.lastQuery, 0, d);
        s.lastSelf = selfSample;
        s.lastFound = found;
        return found;
    }

    private static boolean contains(int[] a, int length, int value) {
        for (int i = 0; i < length; i++) {
            if (a[i] == value) {
                return true;
            }
        }
        return false;
    }

    /**
     * Slots of a leaf block of this many rows: as many, unpadded. (Padding to the kernels' step of 8
     * lets the vector loop cover every row, but the blocks of leaves of about 10 rows then grow by 60%,
     * and the search, bound by memory reads, was 15% slower in {@code bin/bench label-flip}.)
     */
    private static int leafStride(int rows) {
        return rows;
    }

    /** The sample's row ids go as one byte array ({@link PackedStrings}): the detector is shipped to every task. */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        out.writeObject(PackedStrings.pack(rowIdOf));
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        rowIdOf = PackedStrings.unpack((byte[]) in.readObject());
        scratch = null;
    }

    /** Builds the randomised k-d trees; used only while fitting. */
    private static final class Forest {
        private final float[] points;
        private final int n;
        private final int d;
        private final int leafSize;
        final int[] roots;
        final int[] perm;
        int[] split = new int[64];
        double[] cut = new double[64];
        int[] child = new int[64];
        int[] leafEnd = new int[64];
        int count;
        private final double[] mean;
        private final double[] var;
        private final int[] top;

        Forest(float[] points, int n, int d, LabelFlipSettings s) {
            this.points = points;
            this.n = n;
            this.d = d;
            this.leafSize = s.leafSize();
            this.roots = new int[n == 0 ? 0 : s.trees()];
            this.perm = new int[roots.length * n];
            this.mean = new double[d];
            this.var = new double[d];
            this.top = new int[Math.min(SPLIT_CANDIDATES, d)];
            for (int t = 0; t < roots.length; t++) {
                SplittableRandom r = new SplittableRandom(Hashing.mix64(s.seed() ^ Hashing.mix64(0x1abe1L + t)));
                int base = t * n;
                for (int i = 0; i < n; i++) {
                    perm[base + i] = i;
                }
                roots[t] = node();
                grow(roots[t], base, base + n, r);
            }
        }

        private int node() {
            if (count == split.length) {
                int cap = count * 2;
                split = Arrays.copyOf(split, cap);
                cut = Arrays.copyOf(cut, cap);
                child = Arrays.copyOf(child, cap);
                leafEnd = Arrays.copyOf(leafEnd, cap);
            }
            return count++;
        }

        private void grow(int node, int from, int to, SplittableRandom r) {
            int size = to - from;
            int f = size <= leafSize ? -1 : chooseFeature(from, to, r);
            if (f < 0) {
                split[node] = -1;
                child[node] = from;
                leafEnd[node] = to;
                return;
            }
            int mid = from + size / 2;
            select(from, to, mid, f, r);
            double maxLeft = Double.NEGATIVE_INFINITY;
            for (int p = from; p < mid; p++) {
                maxLeft = Math.max(maxLeft, value(p, f));
            }
            int l = node();
            int rgt = node();
            split[node] = f;
            cut[node] = (maxLeft + value(mid, f)) / 2;
            child[node] = l;
            grow(l, from, mid, r);
            grow(rgt, mid, to, r);
        }

        private double value(int slot, int f) {
            return points[perm[slot] * d + f];
        }

        /** One of the features of largest variance over (a random subset of) the node's rows; -1 if all are constant. */
        private int chooseFeature(int from, int to, SplittableRandom r) {
            int size = to - from;
            int m = Math.min(size, VARIANCE_SAMPLE);
            Arrays.fill(mean, 0);
            Arrays.fill(var, 0);
            for (int i = 0; i < m; i++) {
                int slot = m == size ? from + i : from + r.nextInt(size);
                int off = perm[slot] * d;
                for (int j = 0; j < d; j++) {
                    double x = points[off + j];
                    mean[j] += x;
                    var[j] += x * x;
                }
            }
            int kept = 0;
            for (int j = 0; j < d; j++) {
                double mu = mean[j] / m;
                double v = var[j] / m - mu * mu;
                var[j] = v;
                if (!(v > 1e-12)) {
                    continue;
                }
                // Insert j into the top list (largest variance first).
                int pos = kept < top.length ? kept++ : top.length;
                if (pos == top.length && v <= var[top[top.length - 1]]) {
                    continue;
                }
                if (pos == top.length) {
                    pos = top.length - 1;
                }
                while (pos > 0 && var[top[pos - 1]] < v) {
                    top[pos] = top[pos - 1];
                    pos--;
                }
                top[pos] = j;
            }
            return kept == 0 ? -1 : top[r.nextInt(kept)];
        }

        /** Quickselect on perm[from, to) by feature f: afterwards values left of k are <= value(k) <= values right of it. */
        private void select(int from, int to, int k, int f, SplittableRandom r) {
            int lo = from;
            int hi = to - 1;
            while (hi > lo) {
                double pivot = value(lo + r.nextInt(hi - lo + 1), f);
                int lt = lo;
                int i = lo;
                int gt = hi;
                while (i <= gt) {
                    double v = value(i, f);
                    if (v < pivot) {
                        swap(lt++, i++);
                    } else if (v > pivot) {
                        swap(i, gt--);
                    } else {
                        i++;
                    }
                }
                if (k < lt) {
                    hi = lt - 1;
                } else if (k > gt) {
                    lo = gt + 1;
                } else {
                    return;
                }
            }
        }

        private void swap(int a, int b) {
            int t = perm[a];
            perm[a] = perm[b];
            perm[b] = t;
        }
    }
}
