package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Hashing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Label-flip detector: kNN label sanitisation (Paudice, Munoz-Gonzalez, Lupu, "Label Sanitization
 * against Label Flipping Poisoning Attacks", ECML PKDD 2018 workshops) refined with the per-class
 * thresholds of confident learning (Northcutt, Jiang, Chuang, "Confident Learning: Estimating
 * Uncertainty in Dataset Labels", JAIR 2021; cleanlab).
 *
 * <p><b>Attack targeted:</b> label flipping, where an attacker changes the labels of some training
 * rows and leaves the features alone; a {@link FindingKind#LABEL_FLIP} finding that suggests the
 * label the row's neighbourhood carries. Evasions: flips placed on class boundaries (optimal
 * label-flip attacks) and clustered flips that form a consistent neighbourhood of their own.
 *
 * <p><b>Signal:</b> the k nearest neighbours of the row in z-space among the reference sample (the row
 * itself excluded when it is in the sample, by file and row index) give the neighbour label
 * distribution p_hat; the suggested label l* is its majority (a tie with the given label y keeps y).
 * A row is flagged when l* != y, the agreement p_hat(l*) >= eta (Paudice et al.), and p_hat(l*) >= t(l*),
 * where t(j) is the mean leave-one-out p_hat(j) over the sample rows labelled j (cleanlab's per-class
 * threshold, computed at fit time). cleanlab's prune-by-noise-rate ranking is not applied: every
 * row passing the two cuts is reported, ranked by its score.
 *
 * <p><b>Score and threshold:</b> a flagged row scores its self-confidence complement 1 - p_hat(y), which
 * is at least p_hat(l*) >= eta; an unflagged row scores 0, and so does a row whose label never
 * occurs in the sample (a new class is a SCHEMA matter) or that has no label. {@link #threshold()}
 * is eta, so {@code score >= threshold()} exactly when the row is flagged.
 *
 * <p><b>Neighbour search:</b> approximate, by a forest of random-projection trees over the sample: each
 * inner node projects onto the difference of two random sample rows of the node and cuts at the
 * median, down to leaves of at most {@code leaf-size} rows. A row's candidates are the union of the
 * leaves it falls into, one per tree; exact distances to them keep the k best.
 *
 * <p><b>Cost:</b> fitting O(T n log n d) for the trees plus one leave-one-out query per sample row.
 * Per row O(T (log2(n / leaf-size) + leaf-size) d) with T trees: about 8 x (10 + 32) x 30 = 10,000
 * multiply-adds with the defaults and d = 30, allocation-free (a per-thread scratch buffer). Memory:
 * the sample's z-scored features (n d doubles: 4.8 MB for 20,000 x 30), T permutations of n ints and
 * about 2 n / leaf-size projection vectors of d doubles per tree (2 MB with the defaults).
 *
 * <p><b>Parameters</b> ({@link LabelFlipSettings}, {@code scan.detectors.label-flip.*}): {@code
 * neighbours} k = 10, {@code min-agreement} eta = 0.5, {@code trees} = 8, {@code leaf-size} = 32, and
 * the seed derived from {@code scan.seed}. The reference sample is {@code scan.reference-sample-size}
 * (20,000) rows.
 */
public final class LabelFlipDetector implements RowDetector {
    private static final long serialVersionUID = 1L;

    public static final String ID = "knn_label";
    private static final int LISTED_NEIGHBOURS = 5;
    private static final int NO_SAMPLE_ROW = -1;

    private final LabelFlipSettings settings;
    private final int d;
    private final int n;
    /** The sample's z-scored features, row-major n x d. */
    private final double[] points;
    private final int[] labelOf;
    private final long[] rowIndexOf;
    private final int[] fileIndexOf;
    private final String[] rowIdOf;
    /** Sorted distinct labels of the sample; a class id is an index into it. */
    private final String[] classes;
    private final HashMap<String, Integer> classIds;
    /** Confident learning's per-class threshold t_j. */
    private final double[] classThreshold;
    private final int[] classCount;

    // The forest, flat. Node kinds: inner (child >= 0; right child = child + 1) or leaf (child < 0).
    private final int[] roots;
    private final int[] child;
    /** Inner node: offset of its projection direction in {@link #directions}; leaf: first slot in perm. */
    private final int[] ref;
    /** Inner node: the cut (projection <= cut goes left); unused for leaves. */
    private final double[] cut;
    /** Leaf: one past its last slot in {@link #perm}. */
    private final int[] leafEnd;
    private final double[] directions;
    /** Per tree, a permutation of the sample rows grouped by leaf. */
    private final int[] perm;

    private transient ThreadLocal<Scratch> scratch;

    /** Per-thread buffers of the per-row path. */
    private static final class Scratch {
        final int[] bestIdx;
        final double[] bestDist;
        final int[] counts;

        Scratch(int k, int classes) {
            bestIdx = new int[k];
            bestDist = new double[k];
            counts = new int[classes];
        }
    }

    private LabelFlipDetector(LabelFlipSettings settings, int d, double[] points, int[] labelOf, long[] rowIndexOf,
            int[] fileIndexOf, String[] rowIdOf, String[] classes, Forest forest) {
        this.settings = settings;
        this.d = d;
        this.n = labelOf.length;
        this.points = points;
        this.labelOf = labelOf;
        this.rowIndexOf = rowIndexOf;
        this.fileIndexOf = fileIndexOf;
        this.rowIdOf = rowIdOf;
        this.classes = classes;
        this.classIds = new HashMap<>();
        for (int c = 0; c < classes.length; c++) {
            classIds.put(classes[c], c);
        }
        this.roots = forest.roots;
        this.child = Arrays.copyOf(forest.child, forest.count);
        this.ref = Arrays.copyOf(forest.ref, forest.count);
        this.cut = Arrays.copyOf(forest.cut, forest.count);
        this.leafEnd = Arrays.copyOf(forest.leafEnd, forest.count);
        this.directions = Arrays.copyOf(forest.directions, forest.directionCount);
        this.perm = forest.perm;
        this.classCount = new int[classes.length];
        for (int label : labelOf) {
            classCount[label]++;
        }
        this.classThreshold = leaveOneOutThresholds();
    }

    /**
     * Builds the neighbour index on the labelled rows of the reference sample and computes the
     * per-class thresholds with leave-one-out queries.
     *
     * @param sample the reference sample (rows without a label are skipped)
     * @param z the profile's standardizer, the same one that z-scores the rows passed to {@link #score}
     */
    public static LabelFlipDetector fit(LabelFlipSettings settings, List<TrainingRow> sample, Standardizer z) {
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
        double[] points = new double[n * d];
        int[] labelOf = new int[n];
        long[] rowIndexOf = new long[n];
        int[] fileIndexOf = new int[n];
        String[] rowIdOf = new String[n];
        double[] buf = new double[d];
        for (int i = 0; i < n; i++) {
            TrainingRow r = labelled.get(i);
            z.apply(r.features, buf);
            System.arraycopy(buf, 0, points, i * d, d);
            labelOf[i] = ids.get(r.label);
            rowIndexOf[i] = r.rowIndex;
            fileIndexOf[i] = r.fileIndex;
            rowIdOf[i] = r.rowId;
        }
        Forest forest = new Forest(points, n, d, settings);
        return new LabelFlipDetector(settings, d, points, labelOf, rowIndexOf, fileIndexOf, rowIdOf, classes, forest);
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
        int found = search(z, 0, row.fileIndex, row.rowIndex, NO_SAMPLE_ROW, s);
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
        if (agreement < settings.minAgreement() || agreement < classThreshold[suggested]) {
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
        Scratch s = new Scratch(settings.neighbours(), classes.length);
        int found = search(z, 0, row.fileIndex, row.rowIndex, NO_SAMPLE_ROW, s);
        int suggested = given == null ? majority(s.counts, 0) : majority(s.counts, given);
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
        for (int c = 0; c < classes.length; c++) {
            t.put(classes[c], classThreshold[c]);
            counts.put(classes[c], classCount[c]);
        }
        p.put("class_thresholds", t);
        p.put("sample_label_counts", counts);
        return p;
    }

    public LabelFlipSettings settings() {
        return settings;
    }

    /** The label the row's neighbourhood suggests, or null with no neighbours (tests, reports). */
    public String suggestedLabel(TrainingRow row, double[] z) {
        Scratch s = new Scratch(settings.neighbours(), classes.length);
        int found = search(z, 0, row.fileIndex, row.rowIndex, NO_SAMPLE_ROW, s);
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

    private double[] leaveOneOutThresholds() {
        double[] sum = new double[classes.length];
        Scratch s = new Scratch(settings.neighbours(), classes.length);
        for (int i = 0; i < n; i++) {
            int found = search(points, i * d, -1, -1, i, s);
            if (found > 0) {
                sum[labelOf[i]] += s.counts[labelOf[i]] / (double) found;
            }
        }
        double[] t = new double[classes.length];
        for (int c = 0; c < classes.length; c++) {
            t[c] = classCount[c] == 0 ? 0.0 : sum[c] / classCount[c];
        }
        return t;
    }

    private Scratch scratch() {
        ThreadLocal<Scratch> tl = scratch;
        if (tl == null) {
            // A benign race: two threads may each install a ThreadLocal; either way each thread owns its buffers.
            tl = ThreadLocal.withInitial(() -> new Scratch(settings.neighbours(), classes.length));
            scratch = tl;
        }
        return tl.get();
    }

    /**
     * Approximate k nearest sample rows of q[qOff..qOff+d), excluding the sample row that is the query
     * itself (same file and row index, or sample position {@code selfSample}). Fills s.bestIdx (nearest
     * first) and s.counts (neighbour labels) and returns how many were found (at most k).
     */
    private int search(double[] q, int qOff, int selfFile, long selfRow, int selfSample, Scratch s) {
        final int k = s.bestIdx.length;
        final int[] bestIdx = s.bestIdx;
        final double[] bestDist = s.bestDist;
        int found = 0;
        double worst = Double.POSITIVE_INFINITY;
        for (int root : roots) {
            int node = root;
            while (child[node] >= 0) {
                int off = ref[node];
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += q[qOff + j] * directions[off + j];
                }
                node = dot <= cut[node] ? child[node] : child[node] + 1;
            }
            for (int p = ref[node], end = leafEnd[node]; p < end; p++) {
                int idx = perm[p];
                if (idx == selfSample || (rowIndexOf[idx] == selfRow && fileIndexOf[idx] == selfFile)) {
                    continue;
                }
                double dist = distance(q, qOff, idx * d, worst);
                if (!(dist < worst) && found == k) {
                    continue;
                }
                if (dist != dist) {
                    continue; // NaN features never make a neighbour
                }
                // A row in several trees' leaves is met more than once: keep one copy.
                boolean duplicate = false;
                for (int b = 0; b < found; b++) {
                    if (bestIdx[b] == idx) {
                        duplicate = true;
                        break;
                    }
                }
                if (duplicate) {
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
        return found;
    }

    /** Squared distance, abandoned (returning a value >= bound) once it exceeds bound. */
    private double distance(double[] q, int qOff, int pOff, double bound) {
        final double[] pts = points;
        double a0 = 0;
        double a1 = 0;
        int j = 0;
        int half = d >>> 1;
        for (; j + 1 < half; j += 2) {
            double e0 = q[qOff + j] - pts[pOff + j];
            double e1 = q[qOff + j + 1] - pts[pOff + j + 1];
            a0 += e0 * e0;
            a1 += e1 * e1;
        }
        if (a0 + a1 >= bound) {
            return a0 + a1;
        }
        for (; j + 1 < d; j += 2) {
            double e0 = q[qOff + j] - pts[pOff + j];
            double e1 = q[qOff + j + 1] - pts[pOff + j + 1];
            a0 += e0 * e0;
            a1 += e1 * e1;
        }
        if (j < d) {
            double e = q[qOff + j] - pts[pOff + j];
            a0 += e * e;
        }
        return a0 + a1;
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        scratch = null;
    }

    /** Builds the random-projection trees; used only while fitting. */
    private static final class Forest {
        private final double[] points;
        private final int n;
        private final int d;
        private final int leafSize;
        final int[] roots;
        final int[] perm;
        int[] child = new int[64];
        int[] ref = new int[64];
        double[] cut = new double[64];
        int[] leafEnd = new int[64];
        int count;
        double[] directions = new double[1024];
        int directionCount;
        private final double[] key;

        Forest(double[] points, int n, int d, LabelFlipSettings s) {
            this.points = points;
            this.n = n;
            this.d = d;
            this.leafSize = s.leafSize();
            this.roots = new int[n == 0 ? 0 : s.trees()];
            this.perm = new int[roots.length * n];
            this.key = new double[n];
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
            if (count == child.length) {
                int cap = count * 2;
                child = Arrays.copyOf(child, cap);
                ref = Arrays.copyOf(ref, cap);
                cut = Arrays.copyOf(cut, cap);
                leafEnd = Arrays.copyOf(leafEnd, cap);
            }
            return count++;
        }

        private void grow(int node, int from, int to, SplittableRandom r) {
            int size = to - from;
            if (size <= leafSize) {
                child[node] = -1;
                ref[node] = from;
                leafEnd[node] = to;
                return;
            }
            int off = direction(from, to, r);
            for (int p = from; p < to; p++) {
                int pOff = perm[p] * d;
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += points[pOff + j] * directions[off + j];
                }
                key[p % n] = dot; // slot p of tree t is t * n + position
            }
            int mid = from + size / 2;
            select(from, to, mid, r);
            double maxLeft = Double.NEGATIVE_INFINITY;
            for (int p = from; p < mid; p++) {
                maxLeft = Math.max(maxLeft, keyAt(p));
            }
            int l = node();
            int rgt = node();
            assert rgt == l + 1;
            child[node] = l;
            ref[node] = off;
            cut[node] = (maxLeft + keyAt(mid)) / 2;
            grow(l, from, mid, r);
            grow(rgt, mid, to, r);
        }

        /** The difference of two random distinct rows of the node (a random Gaussian one if all coincide). */
        private int direction(int from, int to, SplittableRandom r) {
            if (directionCount + d > directions.length) {
                directions = Arrays.copyOf(directions, Math.max(directions.length * 2, directionCount + d));
            }
            int off = directionCount;
            directionCount += d;
            for (int attempt = 0; attempt < 8; attempt++) {
                int a = perm[from + r.nextInt(to - from)] * d;
                int b = perm[from + r.nextInt(to - from)] * d;
                double norm = 0;
                for (int j = 0; j < d; j++) {
                    double v = points[a + j] - points[b + j];
                    directions[off + j] = v;
                    norm += v * v;
                }
                if (norm > 0) {
                    return off;
                }
            }
            for (int j = 0; j < d; j++) {
                directions[off + j] = r.nextGaussian();
            }
            return off;
        }

        private double keyAt(int p) {
            return key[p % n];
        }

        /** Quickselect on perm[from, to) by key: afterwards keys left of k are <= key(k) <= keys right of it. */
        private void select(int from, int to, int k, SplittableRandom r) {
            int lo = from;
            int hi = to - 1;
            while (hi > lo) {
                double pivot = keyAt(lo + r.nextInt(hi - lo + 1));
                int lt = lo;
                int i = lo;
                int gt = hi;
                while (i <= gt) {
                    double v = keyAt(i);
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
            double kt = key[a % n];
            key[a % n] = key[b % n];
            key[b % n] = kt;
        }
    }
}
