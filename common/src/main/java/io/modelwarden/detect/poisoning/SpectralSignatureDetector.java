package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * B4(a): spectral signatures, with a separation gate.
 *
 * <p><b>Attack.</b> Backdoor poison that the model must learn as a separate mode of its target class
 * (a trigger pattern, or a relabelled subpopulation) leaves a detectable trace in the class's
 * covariance: the poisoned rows dominate the top singular direction.
 *
 * <p><b>Signal.</b> Per class c, on the z-scored sample rows: centre by the class mean mu_c, find the
 * top right singular vector v_c by seeded power iteration on the class scatter matrix, and score
 * {@code raw = ((z - mu_c) . v_c)^2}. The row's score is the empirical CDF of raw among the class's
 * sample rows; rows at or above {@code max(1 - 1.5 epsilon, spectral-min-score)} are flagged, i.e. the
 * top 1.5 epsilon of each class (Tran et al.'s rule).
 *
 * <p><b>Gate.</b> Without a backdoor the rule would still flag 1.5 epsilon of every class. So a class is
 * scored only when its top projection shows a separate small subpopulation: the optimal 1-D 2-means
 * split of the projections (exact, by sorting) must put at most {@code spectral-max-cluster-share}
 * (0.35, the activation-clustering cut-off of Chen et al. 2018) of the class in the smaller cluster.
 * A unimodal class splits near 50/50, and so does a class made of two equal natural modes; a poisoned
 * minority that dominates v_c splits off alone. Gated-off classes score 0. The gate's verdict and the
 * top singular value's share of the class variance are in {@link #parameters()}.
 *
 * <p><b>Cost.</b> Fit: O(n d^2) for the scatter matrices plus O(iterations d^2) power iteration and
 * O(n log n) per class. Per row: O(d) and a binary search in the class's sorted sample scores;
 * memory O(classes (d + n_c)).
 *
 * <p><b>Parameters</b> ({@code scan.detectors.backdoor.*}): expected-poison-rate (epsilon) 0.05,
 * spectral-min-score 0.5, spectral-max-cluster-share 0.35; seed = scan.seed. References: Tran, Li,
 * Madry 2018 (spectral signatures); Chen et al. 2018 (activation clustering). Evasions: adaptive
 * attacks that keep poisoned rows inside the clean class's spread; small epsilon.
 */
public final class SpectralSignatureDetector implements RowDetector {
    private static final long serialVersionUID = 1L;
    public static final String ID = "spectral_signature";
    static final int POWER_ITERATIONS = 200;
    static final double POWER_TOLERANCE = 1e-10;
    /** A class needs this many sample rows for a verdict. */
    public static final int MIN_CLASS_ROWS = 20;

    /** Per-class model and gate verdict. */
    public record ClassModel(
            String label, int rows, double[] mean, double[] direction, double topShare, double smallClusterShare,
            boolean enabled, double[] sortedScores, double rawThreshold)
            implements java.io.Serializable {}

    private final BackdoorSettings settings;
    private final Map<String, ClassModel> models;
    private final double threshold;

    private SpectralSignatureDetector(BackdoorSettings settings, Map<String, ClassModel> models) {
        this.settings = settings;
        this.models = models;
        this.threshold = Math.max(1 - 1.5 * settings.expectedPoisonRate(), settings.spectralMinScore());
    }

    public static SpectralSignatureDetector fit(List<TrainingRow> sample, Standardizer standardizer, BackdoorSettings settings) {
        TreeMap<String, List<double[]>> byClass = new TreeMap<>();
        for (TrainingRow r : sample) {
            if (r.label != null) {
                byClass.computeIfAbsent(r.label, k -> new ArrayList<>()).add(standardizer.apply(r.features));
            }
        }
        double flagShare = 1.5 * settings.expectedPoisonRate();
        Map<String, ClassModel> models = new TreeMap<>();
        SplittableRandom seeds = new SplittableRandom(settings.seed());
        for (Map.Entry<String, List<double[]>> e : byClass.entrySet()) {
            long seed = seeds.nextLong(); // one per class in label order: stable for a given label set
            List<double[]> rows = e.getValue();
            if (rows.size() < MIN_CLASS_ROWS) {
                continue;
            }
            models.put(e.getKey(), fitClass(e.getKey(), rows, seed, flagShare, settings.spectralMaxClusterShare()));
        }
        return new SpectralSignatureDetector(settings, models);
    }

    private static ClassModel fitClass(String label, List<double[]> rows, long seed, double flagShare, double maxClusterShare) {
        int n = rows.size();
        int d = rows.get(0).length;
        double[] mu = new double[d];
        for (double[] z : rows) {
            for (int j = 0; j < d; j++) {
                mu[j] += z[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= n;
        }
        double[][] scatter = new double[d][d];
        double[] c = new double[d];
        for (double[] z : rows) {
            for (int j = 0; j < d; j++) {
                c[j] = z[j] - mu[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = c[a];
                double[] sa = scatter[a];
                for (int b = a; b < d; b++) {
                    sa[b] += ca * c[b];
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < d; a++) {
            trace += scatter[a][a];
            for (int b = 0; b < a; b++) {
                scatter[a][b] = scatter[b][a];
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[d];
        for (int j = 0; j < d; j++) {
            v[j] = rnd.nextGaussian();
        }
        normalise(v);
        double lambda = 0;
        double[] w = new double[d];
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            for (int a = 0; a < d; a++) {
                double s = 0;
                for (int b = 0; b < d; b++) {
                    s += scatter[a][b] * v[b];
                }
                w[a] = s;
            }
            lambda = normalise(w);
            double diff = 0;
            for (int j = 0; j < d; j++) {
                diff += Math.abs(w[j] - v[j]);
            }
            System.arraycopy(w, 0, v, 0, d);
            if (diff < POWER_TOLERANCE) {
                break;
            }
        }
        double[] proj = new double[n];
        double[] raw = new double[n];
        for (int i = 0; i < n; i++) {
            double p = 0;
            double[] z = rows.get(i);
            for (int j = 0; j < d; j++) {
                p += (z[j] - mu[j]) * v[j];
            }
            proj[i] = p;
            raw[i] = p * p;
        }
        double small = smallerClusterShare(proj);
        Arrays.sort(raw);
        int cut = Math.min(n - 1, (int) Math.floor((1 - flagShare) * n));
        return new ClassModel(label, n, mu, v, trace > 0 ? lambda / trace : 0, small, small <= maxClusterShare, raw, raw[cut]);
    }

    /** Share of the smaller cluster of the optimal 1-D 2-means split (minimum within-cluster SSE). */
    static double smallerClusterShare(double[] values) {
        double[] x = values.clone();
        Arrays.sort(x);
        int n = x.length;
        if (n < 2) {
            return 0.5;
        }
        double[] prefix = new double[n + 1];
        double[] prefix2 = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + x[i];
            prefix2[i + 1] = prefix2[i] + x[i] * x[i];
        }
        double best = Double.POSITIVE_INFINITY;
        int bestK = n / 2;
        for (int k = 1; k < n; k++) {
            double sl = prefix[k];
            double sr = prefix[n] - sl;
            double sse = (prefix2[k] - sl * sl / k) + (prefix2[n] - prefix2[k] - sr * sr / (n - k));
            if (sse < best) {
                best = sse;
                bestK = k;
            }
        }
        return (double) Math.min(bestK, n - bestK) / n;
    }

    private static double normalise(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        s = Math.sqrt(s);
        if (s > 0) {
            for (int j = 0; j < v.length; j++) {
                v[j] /= s;
            }
        }
        return s;
    }

    /** Per-class models in label order. */
    public Map<String, ClassModel> models() {
        return models;
    }

    /** Labels of the classes the gate enabled. */
    public List<String> enabledClasses() {
        List<String> out = new ArrayList<>();
        for (ClassModel m : models.values()) {
            if (m.enabled()) {
                out.add(m.label());
            }
        }
        return out;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.BACKDOOR;
    }

    private static double raw(ClassModel m, double[] z) {
        double p = 0;
        double[] mu = m.mean();
        double[] v = m.direction();
        for (int j = 0; j < mu.length; j++) {
            p += (z[j] - mu[j]) * v[j];
        }
        return p * p;
    }

    @Override
    public double score(TrainingRow row, double[] z) {
        ClassModel m = row.label == null ? null : models.get(row.label);
        if (m == null || !m.enabled()) {
            return 0;
        }
        double r = raw(m, z);
        double[] sorted = m.sortedScores();
        // Empirical CDF: share of the class's sample scores <= r.
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= r) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return (double) lo / sorted.length;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        ClassModel m = models.get(row.label);
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("label", row.label);
        ev.put("raw_score", m == null ? 0 : raw(m, z));
        ev.put("raw_threshold", m == null ? 0 : m.rawThreshold());
        ev.put("class_cdf", score);
        ev.put("threshold", threshold);
        ev.put("expected_poison_rate", settings.expectedPoisonRate());
        if (m != null) {
            ev.put("small_cluster_share", m.smallClusterShare());
            ev.put("top_singular_share", m.topShare());
            ev.put("class_sample_rows", m.rows());
        }
        return Detection.of(score, ev);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("expected_poison_rate", settings.expectedPoisonRate());
        p.put("threshold", threshold);
        p.put("max_cluster_share", settings.spectralMaxClusterShare());
        Map<String, Object> classes = new LinkedHashMap<>();
        for (ClassModel m : models.values()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("rows", m.rows());
            c.put("enabled", m.enabled());
            c.put("small_cluster_share", m.smallClusterShare());
            c.put("top_singular_share", m.topShare());
            c.put("raw_threshold", m.rawThreshold());
            classes.put(m.label(), c);
        }
        p.put("classes", classes);
        return p;
    }
}
