package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Hashing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Isolation Forest (Liu, Ting, Zhou, "Isolation Forest", ICDM 2008): flags rows that random
 * axis-parallel cuts isolate in few steps.
 *
 * <p><b>Attack targeted:</b> poison that sits outside the clean data's support (injected garbage,
 * out-of-range or synthetic rows, gross feature tampering); a {@link FindingKind#OUTLIER} finding.
 * It sees only the marginal geometry: clean-label poisons placed inside dense regions evade it.
 *
 * <p><b>Signal:</b> s(x) = 2^(-E[h(x)] / c(psi)), where h(x) is the path length of x in a tree (the
 * depth of the leaf it reaches plus c(leaf size), the expected depth of an unbuilt subtree), E is
 * the mean over the trees and c(n) = 2H(n-1) - 2(n-1)/n with H(i) = ln i + 0.5772156649 is the
 * average unsuccessful-search path length of a binary search tree of n keys. Each tree is built on
 * psi rows drawn without replacement from the z-scored reference sample, up to the height limit
 * ceil(log2 psi); each node cuts a feature chosen uniformly among those not constant at the node at
 * a value uniform between the node's min and max. s is in (0, 1]; about 0.5 for ordinary rows and
 * near 1 for rows isolated at once.
 *
 * <p><b>Threshold:</b> max({@code min-score}, the (1 - {@code contamination}) quantile of the scores
 * of the fitting sample). The sample's score quantiles are reported in {@link #parameters()} and kept
 * with the model ({@link #toModelJson()}) for the baseline.
 *
 * <p><b>Cost:</b> training O(t psi log psi) on the reference sample; scoring O(t log psi) per row
 * (t x ceil(log2 psi) = 800 branch-free node visits with the defaults, eight trees walked at once),
 * allocation-free. Memory: the trees as flat primitive arrays, at most t (2 psi - 1) nodes of 20
 * bytes (about 1 MB with the defaults), plus the same trees completed to one height for scoring
 * (about 0.8 MB; see {@link CompleteTrees}), independent of the dataset size.
 *
 * <p><b>Parameters</b> ({@link IsolationForestSettings}, {@code scan.detectors.isolation-forest.*}):
 * {@code trees} t = 100, {@code subsample-size} psi = 256, {@code contamination} = 0.01,
 * {@code min-score} = 0.6, and the seed derived from {@code scan.seed}.
 */
public final class IsolationForestDetector implements RowDetector {
    private static final long serialVersionUID = 1L;

    public static final String ID = "isolation_forest";
    public static final String MODEL_FORMAT = "isolation_forest/1";
    private static final double EULER_GAMMA = 0.5772156649015329;
    private static final int TOP_FEATURES = 3;

    private final IsolationForestSettings settings;
    private final int dimensions;
    /** Rows per tree actually used: min(psi, sample size). */
    private final int psi;
    private final double cPsi;
    /** First node of each tree. */
    private final int[] roots;
    /** Split feature of each node, -1 for a leaf. */
    private final int[] feature;
    /** Split value of an inner node (x <= value goes left); path length depth + c(size) of a leaf. */
    private final double[] value;
    /** Left child of an inner node; the right child is always left + 1. */
    private final int[] left;
    /** Sample rows that reached the node. */
    private final int[] size;
    private final double threshold;
    private final double[] quantiles; // p50, p90, p99 of the fitting sample's scores
    private final int sampleSize;
    /** The same trees laid out for scoring; null when a tree is too deep for it. */
    private final CompleteTrees complete;

    private IsolationForestDetector(IsolationForestSettings settings, int dimensions, int psi, int[] roots, int[] feature,
            double[] value, int[] left, int[] size, double threshold, double[] quantiles, int sampleSize) {
        this.settings = settings;
        this.dimensions = dimensions;
        this.psi = psi;
        this.cPsi = averagePathLength(psi);
        this.roots = roots;
        this.feature = feature;
        this.value = value;
        this.left = left;
        this.size = size;
        this.threshold = threshold;
        this.quantiles = quantiles;
        this.sampleSize = sampleSize;
        this.complete = CompleteTrees.of(roots, feature, value, left);
    }

    /**
     * Trains the forest on z-scored rows of the reference sample and calibrates the threshold on them.
     *
     * @param zSample at least two rows, all of the same length
     */
    public static IsolationForestDetector fit(IsolationForestSettings s, List<double[]> zSample) {
        int n = zSample.size();
        if (n < 2) {
            throw new IllegalArgumentException("isolation forest needs at least 2 sample rows, got " + n);
        }
        int d = zSample.get(0).length;
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = zSample.get(i);
            if (x[i].length != d) {
                throw new IllegalArgumentException("sample row " + i + " has " + x[i].length + " features, expected " + d);
            }
        }
        int psi = Math.min(s.subsampleSize(), n);
        int heightLimit = (int) Math.ceil(Math.log(psi) / Math.log(2));
        TreeBuilder b = new TreeBuilder(x, d, s.trees() * (2 * psi - 1));
        int[] roots = new int[s.trees()];
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        int[] rows = new int[psi];
        for (int t = 0; t < s.trees(); t++) {
            // One generator per tree, derived from (seed, tree): the model does not depend on build order.
            SplittableRandom r = new SplittableRandom(Hashing.mix64(s.seed() ^ Hashing.mix64(0x1f0e57L + t)));
            // Partial Fisher-Yates: psi rows without replacement.
            for (int i = 0; i < psi; i++) {
                int j = i + r.nextInt(n - i);
                int tmp = all[i];
                all[i] = all[j];
                all[j] = tmp;
                rows[i] = all[i];
            }
            roots[t] = b.build(rows.clone(), heightLimit, r);
        }
        IsolationForestDetector unCalibrated = new IsolationForestDetector(s, d, psi, roots, b.feature(), b.value(), b.left(),
                b.size(), 1.0, new double[3], n);
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            scores[i] = unCalibrated.scoreZ(x[i]);
        }
        Arrays.sort(scores);
        double[] q = {quantile(scores, 0.5), quantile(scores, 0.9), quantile(scores, 0.99)};
        double cut = s.contamination() > 0 ? Math.max(s.minScore(), quantile(scores, 1 - s.contamination())) : s.minScore();
        return new IsolationForestDetector(s, d, psi, roots, unCalibrated.feature, unCalibrated.value, unCalibrated.left,
                unCalibrated.size, cut, q, n);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.OUTLIER;
    }

    @Override
    public double score(TrainingRow row, double[] z) {
        return scoreZ(z);
    }

    /** The anomaly score of a z-scored vector; allocation-free. */
    public double scoreZ(double[] z) {
        return Math.min(1.0, Math.exp(-meanPathLength(z) / cPsi * LN2));
    }

    private static final double LN2 = Math.log(2);

    /** E[h(x)]: the mean path length over the trees. */
    public double meanPathLength(double[] z) {
        return complete != null ? complete.meanPathLength(z) : meanPathLengthByPointers(z);
    }

    /** {@link #meanPathLength} by walking the node arrays; the reference the complete layout must equal. */
    double meanPathLengthByPointers(double[] z) {
        final int[] feature = this.feature;
        final double[] value = this.value;
        final int[] left = this.left;
        double sum = 0;
        for (int root : roots) {
            int node = root;
            int f;
            while ((f = feature[node]) >= 0) {
                node = z[f] <= value[node] ? left[node] : left[node] + 1;
            }
            sum += value[node];
        }
        return sum / roots.length;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("score", score);
        ev.put("threshold", threshold);
        ev.put("mean_path_length", meanPathLength(z));
        ev.put("expected_path_length", cPsi);
        ev.put("top_features", topFeatures(z));
        return Detection.of(score, ev);
    }

    /** The features with the largest |z|, largest first: [{feature: index, z: value}, ...]. */
    private static List<Map<String, Object>> topFeatures(double[] z) {
        Integer[] idx = new Integer[z.length];
        for (int j = 0; j < z.length; j++) {
            idx[j] = j;
        }
        // NaN sorts as the largest |z|: a missing value is worth showing.
        Arrays.sort(idx, (a, b) -> Double.compare(Math.abs(z[b]), Math.abs(z[a])));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int k = 0; k < Math.min(TOP_FEATURES, z.length); k++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("feature", idx[k]);
            m.put("z", z[idx[k]]);
            out.add(m);
        }
        return out;
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("trees", settings.trees());
        p.put("subsample", settings.subsampleSize());
        p.put("contamination", settings.contamination());
        p.put("min_score", settings.minScore());
        p.put("threshold", threshold);
        p.put("sample_size", sampleSize);
        p.put("score_p50", quantiles[0]);
        p.put("score_p90", quantiles[1]);
        p.put("score_p99", quantiles[2]);
        return p;
    }

    public IsolationForestSettings settings() {
        return settings;
    }

    public int dimensions() {
        return dimensions;
    }

    /** c(psi): the normalising expected path length. */
    public double expectedPathLength() {
        return cPsi;
    }

    /** Number of nodes over all trees. */
    public int nodes() {
        return feature.length;
    }

    /**
     * The fitted model as plain JSON values (maps, numbers, primitive arrays) for the baseline file.
     * {@link #fromModelJson} restores a detector that scores every row identically.
     */
    public Map<String, Object> toModelJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", MODEL_FORMAT);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("trees", settings.trees());
        s.put("subsample_size", settings.subsampleSize());
        s.put("contamination", settings.contamination());
        s.put("min_score", settings.minScore());
        s.put("seed", settings.seed());
        m.put("settings", s);
        m.put("dimensions", dimensions);
        m.put("psi", psi);
        m.put("sample_size", sampleSize);
        m.put("threshold", threshold);
        m.put("quantiles", quantiles.clone());
        m.put("roots", roots.clone());
        m.put("feature", feature.clone());
        m.put("value", value.clone());
        m.put("left", left.clone());
        m.put("size", size.clone());
        return m;
    }

    /** Restores a model written by {@link #toModelJson()}, directly or after a JSON round trip. */
    public static IsolationForestDetector fromModelJson(Map<String, ?> m) {
        Object format = m.get("format");
        if (!MODEL_FORMAT.equals(format)) {
            throw new IllegalArgumentException("not an isolation forest model of format " + MODEL_FORMAT + ": " + format);
        }
        Map<?, ?> s = (Map<?, ?>) require(m, "settings");
        IsolationForestSettings settings = new IsolationForestSettings(
                number(s, "trees").intValue(),
                number(s, "subsample_size").intValue(),
                number(s, "contamination").doubleValue(),
                number(s, "min_score").doubleValue(),
                number(s, "seed").longValue());
        int[] roots = ints(require(m, "roots"));
        int[] feature = ints(require(m, "feature"));
        double[] value = doubles(require(m, "value"));
        int[] left = ints(require(m, "left"));
        int[] size = ints(require(m, "size"));
        int nodes = feature.length;
        if (value.length != nodes || left.length != nodes || size.length != nodes || roots.length != settings.trees()) {
            throw new IllegalArgumentException("isolation forest model arrays disagree in length");
        }
        int dimensions = number(m, "dimensions").intValue();
        for (int i = 0; i < nodes; i++) {
            if (feature[i] >= dimensions || (feature[i] >= 0 && (left[i] <= i || left[i] + 1 >= nodes))) {
                throw new IllegalArgumentException("isolation forest model node " + i + " is malformed");
            }
        }
        return new IsolationForestDetector(settings, dimensions, number(m, "psi").intValue(), roots, feature, value, left,
                size, number(m, "threshold").doubleValue(), doubles(require(m, "quantiles")),
                number(m, "sample_size").intValue());
    }

    private static Object require(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("isolation forest model lacks '" + key + "'");
        }
        return v;
    }

    private static Number number(Map<?, ?> m, String key) {
        Object v = require(m, key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("isolation forest model '" + key + "' is not a number: " + v);
        }
        return n;
    }

    private static int[] ints(Object v) {
        if (v instanceof int[] a) {
            return a.clone();
        }
        List<?> list = (List<?>) v;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).intValue();
        }
        return out;
    }

    private static double[] doubles(Object v) {
        if (v instanceof double[] a) {
            return a.clone();
        }
        List<?> list = (List<?>) v;
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).doubleValue();
        }
        return out;
    }

    /**
     * The trees as complete binary trees of one height D, in heap order (the children of node i are
     * 2i + 1 and 2i + 2), so that scoring a row is D branch-free steps per tree with no child
     * pointers to load and no loop exit to predict. A leaf above depth D becomes a pass-through node
     * (feature 0, cut +infinity) over a subtree whose every leaf holds its path length, so any way down
     * ends on that value: the mean path length equals the pointer walk's, bit for bit (same values
     * summed in the same tree order). Memory: t (2^D - 1) inner nodes of 12 bytes plus t 2^D leaf
     * values of 8, about 820 KB for 100 trees of height 8, against the pointer arrays' 20 bytes per
     * built node (one walk step there costs three dependent loads and a hard-to-predict branch).
     */
    private static final class CompleteTrees implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        /** Deeper trees (only from a hand-made model file) keep the pointer walk: 2^D would not fit. */
        static final int MAX_HEIGHT = 16;

        private final int height;
        private final int inner;
        /** Per tree, inner nodes [t * inner, (t + 1) * inner) in heap order. */
        private final int[] feature;
        private final double[] cut;
        /** Per tree, 2^height leaf path lengths, left to right. */
        private final double[] leaf;

        private CompleteTrees(int height, int trees) {
            this.height = height;
            this.inner = (1 << height) - 1;
            this.feature = new int[trees * inner];
            this.cut = new double[trees * inner];
            this.leaf = new double[trees * (inner + 1)];
        }

        /** The complete layout of these trees, or null when one is deeper than {@link #MAX_HEIGHT}. */
        static CompleteTrees of(int[] roots, int[] feature, double[] value, int[] left) {
            int height = 0;
            for (int root : roots) {
                height = Math.max(height, height(root, feature, left, 0));
                if (height > MAX_HEIGHT) {
                    return null;
                }
            }
            CompleteTrees c = new CompleteTrees(height, roots.length);
            for (int t = 0; t < roots.length; t++) {
                c.place(t, 0, 0, roots[t], feature, value, left);
            }
            return c;
        }

        private static int height(int node, int[] feature, int[] left, int depth) {
            if (feature[node] < 0 || depth > MAX_HEIGHT) {
                return depth;
            }
            return Math.max(height(left[node], feature, left, depth + 1), height(left[node] + 1, feature, left, depth + 1));
        }

        /** Writes built node {@code node} at heap position {@code pos} (depth {@code depth}) of tree t. */
        private void place(int t, int pos, int depth, int node, int[] feature, double[] value, int[] left) {
            if (depth == height) {
                leaf[t * (inner + 1) + pos - inner] = value[node]; // a built leaf (the height is the deepest one)
                return;
            }
            int slot = t * inner + pos;
            if (feature[node] >= 0) {
                this.feature[slot] = feature[node];
                cut[slot] = value[node];
                place(t, 2 * pos + 1, depth + 1, left[node], feature, value, left);
                place(t, 2 * pos + 2, depth + 1, left[node] + 1, feature, value, left);
            } else {
                this.feature[slot] = 0;
                cut[slot] = Double.POSITIVE_INFINITY;
                place(t, 2 * pos + 1, depth + 1, node, feature, value, left);
                place(t, 2 * pos + 2, depth + 1, node, feature, value, left);
            }
        }

        double meanPathLength(double[] z) {
            final int[] feature = this.feature;
            final double[] cut = this.cut;
            final double[] leaf = this.leaf;
            final int inner = this.inner;
            final int height = this.height;
            final int trees = leaf.length / (inner + 1);
            double sum = 0;
            int t = 0;
            // Eight trees at a time: their walks are independent, so their loads overlap.
            for (; t + 7 < trees; t += 8) {
                int b0 = t * inner;
                int b1 = b0 + inner;
                int b2 = b1 + inner;
                int b3 = b2 + inner;
                int b4 = b3 + inner;
                int b5 = b4 + inner;
                int b6 = b5 + inner;
                int b7 = b6 + inner;
                int p0 = 0;
                int p1 = 0;
                int p2 = 0;
                int p3 = 0;
                int p4 = 0;
                int p5 = 0;
                int p6 = 0;
                int p7 = 0;
                for (int level = 0; level < height; level++) {
                    p0 = 2 * p0 + (z[feature[b0 + p0]] <= cut[b0 + p0] ? 1 : 2);
                    p1 = 2 * p1 + (z[feature[b1 + p1]] <= cut[b1 + p1] ? 1 : 2);
                    p2 = 2 * p2 + (z[feature[b2 + p2]] <= cut[b2 + p2] ? 1 : 2);
                    p3 = 2 * p3 + (z[feature[b3 + p3]] <= cut[b3 + p3] ? 1 : 2);
                    p4 = 2 * p4 + (z[feature[b4 + p4]] <= cut[b4 + p4] ? 1 : 2);
                    p5 = 2 * p5 + (z[feature[b5 + p5]] <= cut[b5 + p5] ? 1 : 2);
                    p6 = 2 * p6 + (z[feature[b6 + p6]] <= cut[b6 + p6] ? 1 : 2);
                    p7 = 2 * p7 + (z[feature[b7 + p7]] <= cut[b7 + p7] ? 1 : 2);
                }
                sum += leaf[b0 + t + p0 - inner];
                sum += leaf[b1 + t + 1 + p1 - inner];
                sum += leaf[b2 + t + 2 + p2 - inner];
                sum += leaf[b3 + t + 3 + p3 - inner];
                sum += leaf[b4 + t + 4 + p4 - inner];
                sum += leaf[b5 + t + 5 + p5 - inner];
                sum += leaf[b6 + t + 6 + p6 - inner];
                sum += leaf[b7 + t + 7 + p7 - inner];
            }
            for (; t < trees; t++) {
                int base = t * inner;
                int pos = 0;
                for (int level = 0; level < height; level++) {
                    // x <= cut goes left, as in the pointer walk (NaN goes right).
                    pos = 2 * pos + (z[feature[base + pos]] <= cut[base + pos] ? 1 : 2);
                }
                sum += leaf[base + t + pos - inner];
            }
            return sum / trees;
        }
    }

    /** c(n) = 2H(n-1) - 2(n-1)/n, the average path length of an unsuccessful BST search; c(2) = 1. */
    static double averagePathLength(int n) {
        if (n <= 1) {
            return 0.0;
        }
        if (n == 2) {
            return 1.0;
        }
        return 2.0 * (Math.log(n - 1.0) + EULER_GAMMA) - 2.0 * (n - 1.0) / n;
    }

    /** Linear-interpolated quantile (numpy's default) of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Grows the trees into shared flat arrays; children of a node are allocated as a pair. */
    private static final class TreeBuilder {
        private final double[][] x;
        private final int d;
        private int[] feature;
        private double[] value;
        private int[] left;
        private int[] size;
        private int count;
        private final double[] min;
        private final double[] max;
        private final int[] candidates;

        TreeBuilder(double[][] x, int d, int capacity) {
            this.x = x;
            this.d = d;
            feature = new int[capacity];
            value = new double[capacity];
            left = new int[capacity];
            size = new int[capacity];
            min = new double[d];
            max = new double[d];
            candidates = new int[d];
        }

        int build(int[] rows, int heightLimit, SplittableRandom r) {
            int root = count++;
            grow(root, rows, 0, rows.length, 0, heightLimit, r);
            return root;
        }

        private void grow(int node, int[] rows, int from, int to, int depth, int heightLimit, SplittableRandom r) {
            int n = to - from;
            size[node] = n;
            if (depth >= heightLimit || n <= 1 || !chooseSplit(node, rows, from, to, r)) {
                feature[node] = -1;
                value[node] = depth + averagePathLength(n);
                return;
            }
            int f = feature[node];
            double split = value[node];
            int i = from;
            int j = to - 1;
            while (i <= j) {
                if (x[rows[i]][f] <= split) {
                    i++;
                } else {
                    int tmp = rows[i];
                    rows[i] = rows[j];
                    rows[j] = tmp;
                    j--;
                }
            }
            int l = count;
            count += 2;
            left[node] = l;
            grow(l, rows, from, i, depth + 1, heightLimit, r);
            grow(l + 1, rows, i, to, depth + 1, heightLimit, r);
        }

        /** Picks a feature uniformly among those not constant at the node, and a cut inside its range. */
        private boolean chooseSplit(int node, int[] rows, int from, int to, SplittableRandom r) {
            Arrays.fill(min, Double.POSITIVE_INFINITY);
            Arrays.fill(max, Double.NEGATIVE_INFINITY);
            for (int i = from; i < to; i++) {
                double[] row = x[rows[i]];
                for (int j = 0; j < d; j++) {
                    double v = row[j];
                    if (v < min[j]) {
                        min[j] = v;
                    }
                    if (v > max[j]) {
                        max[j] = v;
                    }
                }
            }
            int k = 0;
            for (int j = 0; j < d; j++) {
                if (max[j] > min[j]) { // false for NaN-only and constant features
                    candidates[k++] = j;
                }
            }
            if (k == 0) {
                return false;
            }
            int f = candidates[r.nextInt(k)];
            double split = min[f] + r.nextDouble() * (max[f] - min[f]);
            if (!(split < max[f])) {
                split = min[f]; // rounding reached max: cut just above min, both sides stay non-empty
            }
            feature[node] = f;
            value[node] = split;
            return true;
        }

        int[] feature() {
            return Arrays.copyOf(feature, count);
        }

        double[] value() {
            return Arrays.copyOf(value, count);
        }

        int[] left() {
            return Arrays.copyOf(left, count);
        }

        int[] size() {
            return Arrays.copyOf(size, count);
        }
    }
}
