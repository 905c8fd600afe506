package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import io.modelwarden.stats.CategoryCounts;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * B5: drift of a dataset against the trusted baseline.
 *
 * <p><b>Attack.</b> Poisoning at scale, or an upstream change (a new source, a broken join, a unit
 * change) shifts feature or label distributions away from the data the model was validated on.
 *
 * <p><b>Signal.</b> Per feature, from the two distributions (KLL sketches of the scans' row
 * samples, {@link ScanProfile#sketch}; never all rows): PSI on {@code bins} baseline-quantile bins
 * (bin shares from each sketch's CDF at the baseline edges, floored at {@value #PSI_FLOOR}); the
 * Wasserstein-1 distance {@code integral |Q_b(q) - Q_c(q)| dq} over a grid of {@value
 * #QUANTILE_GRID} quantiles, divided by the baseline standard deviation; and, when the smaller
 * sample has at most {@code ks-max-rows} rows, the two-sample KS statistic (the largest CDF gap at
 * the sketches' retained items) with its p-value (exact for n m < 10,000, asymptotic otherwise)
 * multiplied by the number of features (Bonferroni). A feature drifts when KS decides and its
 * corrected p < {@code ks-alpha}, or otherwise when PSI > {@code psi-threshold} or Wasserstein >
 * {@code wasserstein-threshold}. KS decides whenever the smaller side is small (not only when both
 * are): PSI and Wasserstein of a few hundred rows are dominated by sampling noise, while the KS
 * p-value accounts for both sizes. Below {@code min-rows} on either side a feature gets no verdict.
 * The label distribution drifts when its Jensen-Shannon distance (base 2, in [0, 1]; debiased, with
 * the chi-square guard, as a category column's below) exceeds {@code label-js-threshold}. A
 * category column (its exact value counts over every row, {@link CategoryCounts}) drifts when its
 * Jensen-Shannon distance, with its sampling bias removed, exceeds {@code category-js-threshold}
 * and a chi-square test of homogeneity of the two count vectors gives a Bonferroni-corrected p
 * below {@code ks-alpha} (rare values pooled for both): the distance is the effect size, the test
 * guards the few-row case where even the debiased distance is noisy; free-text columns get none.
 * The dataset drifts when at least {@code dataset-share} of the features and category columns with
 * a verdict drift.
 *
 * <p><b>Scores.</b> Per feature and label {@code 1 - 2^-(statistic / threshold)} (0.5 at the
 * threshold), for KS {@code 1 - corrected p}; dataset-level: the drifted share.
 *
 * <p><b>Cost.</b> O(d (bins + grid + sketch items) log k) from the sketches, independent of the row
 * count. The current side holds the scan's sample (20,000 rows by default), a baseline 4,096 of its
 * sample's values per feature: their sampling error (about 1.6% of rank at 4,096) bounds that of the
 * PSI bin shares and of the KS statistic, and the KS p-value counts those sizes. Baselines written
 * before kept a KLL sketch (k = 200, about 1.3% rank error) and are read as such.
 *
 * <p><b>Parameters</b> ({@code scan.detectors.drift.*}): bins 10, psi-threshold 0.2,
 * wasserstein-threshold 0.1, ks-alpha 0.05, ks-max-rows 1000, min-rows 100, dataset-share 0.5,
 * label-js-threshold 0.1, category-js-threshold 0.1. References: DETECTORS.md B5; Evidently's drift presets (evidently #50 on
 * p-values at large n); Deequ/TFDV.
 */
public final class DriftDetector implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String ID = "drift";
    public static final String LABEL_SUBJECT = "__label__";
    public static final String DATASET_SUBJECT = "__dataset__";
    static final double PSI_FLOOR = 1e-4;
    static final int QUANTILE_GRID = 1000;
    /** Below this n*m commons-math computes the exact KS distribution. */
    static final long KS_EXACT_MAX_PRODUCT = 10_000;
    private static final QuantileSearchCriteria INCLUSIVE = QuantileSearchCriteria.INCLUSIVE;

    /** The comparison of one feature; KS fields are null when KS did not decide. */
    public record FeatureDrift(
            String feature, long baselineRows, long currentRows, double psi, double wasserstein, Double ksStatistic,
            Double ksPValue, double meanShiftSigma, boolean hasVerdict, boolean drifted, String reason) {}

    /**
     * The comparison of one category column's value distribution; the chi-square p-value (Bonferroni)
     * is null without a verdict.
     */
    public record CategoryDrift(
            String column, long baselineRows, long currentRows, double jsDistance, Double chiSquareP, boolean hasVerdict, boolean drifted,
            String reason) {}

    /** The label distribution comparison. */
    public record LabelDrift(double jsDistance, double chiSquareP, boolean drifted, Map<String, Double> baseline, Map<String, Double> current) {}

    /** Everything a comparison found. */
    public record Report(List<FeatureDrift> features, List<CategoryDrift> categories, LabelDrift label, double driftedShare,
            boolean datasetDrift, List<DatasetDetection> detections) {}

    private final DriftSettings settings;

    public DriftDetector(DriftSettings settings) {
        this.settings = settings;
    }

    /** Compares the current dataset with the baseline, feature by feature (matched by name). */
    public Report compare(DatasetStats baseline, DatasetStats current) {
        List<FeatureDrift> features = new ArrayList<>();
        List<DatasetDetection> out = new ArrayList<>();
        int tests = current.dimensions();
        int verdicts = 0;
        int drifted = 0;
        for (int c = 0; c < current.dimensions(); c++) {
            String name = current.featureNames()[c];
            int b = baseline.indexOf(name);
            if (b < 0) {
                continue; // a new column is the schema detector's business
            }
            FeatureDrift f = feature(name, baseline, b, current, c, tests);
            features.add(f);
            if (f.hasVerdict()) {
                verdicts++;
            }
            if (f.drifted()) {
                drifted++;
                out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.DRIFT, name, featureDetection(f, baseline, b, current, c)));
            }
        }
        List<CategoryDrift> categories = new ArrayList<>();
        int categoryTests = 0;
        for (String name : current.categories().keySet()) {
            categoryTests += baseline.categories().containsKey(name) ? 1 : 0;
        }
        for (Map.Entry<String, CategoryCounts> e : current.categories().entrySet()) {
            CategoryCounts b = baseline.categories().get(e.getKey());
            if (b == null) {
                continue; // a new column, or a baseline from before categories were profiled
            }
            CategoryDrift f = category(e.getKey(), b, e.getValue(), categoryTests);
            categories.add(f);
            if (f.hasVerdict()) {
                verdicts++;
            }
            if (f.drifted()) {
                drifted++;
                out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.DRIFT, e.getKey(), categoryDetection(f, b, e.getValue())));
            }
        }
        LabelDrift label = label(baseline.labelCounts(), current.labelCounts());
        if (label != null && label.drifted()) {
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("statistic", "jensen_shannon_distance_debiased");
            ev.put("value", label.jsDistance());
            ev.put("threshold", settings.labelJsThreshold());
            ev.put("chi_square_p", label.chiSquareP());
            ev.put("n_baseline", sum(baseline.labelCounts()));
            ev.put("n_current", sum(current.labelCounts()));
            ev.put("baseline_shares", label.baseline());
            ev.put("current_shares", label.current());
            out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.DRIFT, LABEL_SUBJECT,
                    Detection.of(ratioScore(label.jsDistance(), settings.labelJsThreshold()), ev)));
        }
        double share = verdicts == 0 ? 0 : (double) drifted / verdicts;
        boolean datasetDrift = verdicts > 0 && share >= settings.datasetShare();
        if (datasetDrift) {
            List<String> names = new ArrayList<>();
            for (FeatureDrift f : features) {
                if (f.drifted()) {
                    names.add(f.feature());
                }
            }
            for (CategoryDrift f : categories) {
                if (f.drifted()) {
                    names.add(f.column());
                }
            }
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("statistic", "drifted_feature_share");
            ev.put("value", share);
            ev.put("threshold", settings.datasetShare());
            ev.put("drifted_features", names);
            ev.put("features_with_verdict", verdicts);
            ev.put("n_baseline", baseline.rows());
            ev.put("n_current", current.rows());
            out.add(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.DRIFT, DATASET_SUBJECT, Detection.of(share, ev)));
        }
        return new Report(features, categories, label, share, datasetDrift, out);
    }

    /**
     * A category column: the Jensen-Shannon distance of its value shares, and a chi-square test of
     * homogeneity of the two count vectors. Both on pooled cells (values whose expected count in the
     * smaller dataset is below {@value #CHI_SQUARE_MIN_EXPECTED} share one cell: Cochran's rule), and
     * the distance with its sampling bias removed: two samples of one distribution over c cells have
     * an expected Jensen-Shannon divergence of about (c - 1)(1/n_b + 1/n_c) / (8 ln 2) bits (the
     * G statistic of homogeneity, chi-square with c - 1 degrees of freedom, is 4 n JSD in nats for two
     * samples of n), which the divergence is reduced by before its square root is taken. Without
     * that, 2,000 rows over 500 values lie at a distance of 0.3 on noise alone. Counts are exact:
     * every row of both datasets.
     */
    private CategoryDrift category(String name, CategoryCounts base, CategoryCounts cur, int tests) {
        long nb = base.rows();
        long nc = cur.rows();
        if (base.freeText() || cur.freeText()) {
            return new CategoryDrift(name, nb, nc, Double.NaN, null, false, false,
                    "no verdict: free text (more than " + Math.max(base.maxDistinct(), cur.maxDistinct()) + " distinct values, or values over "
                            + CategoryCounts.MAX_VALUE_CHARS + " characters)");
        }
        if (nb < settings.minRows() || nc < settings.minRows()) {
            return new CategoryDrift(name, nb, nc, Double.NaN, null, false, false,
                    "no verdict: fewer than min-rows " + settings.minRows() + " values (baseline " + nb + ", current " + nc + ")");
        }
        long[][] cells = pooledCells(base.counts(), cur.counts());
        double js = debiasedJsDistance(cells, nb, nc);
        double p = Math.min(1.0, chiSquareP(cells) * tests);
        boolean drift = js > settings.categoryJsThreshold() && p < settings.ksAlpha();
        String reason = String.format("js=%.4f (debiased) %s %s, chi-square Bonferroni p=%.3g %s alpha %s", js,
                js > settings.categoryJsThreshold() ? ">" : "<=", settings.categoryJsThreshold(), p, p < settings.ksAlpha() ? "<" : ">=", settings.ksAlpha());
        return new CategoryDrift(name, nb, nc, js, p, true, drift, reason);
    }

    /** Cells with a smaller expected count are pooled (Cochran's rule for the chi-square approximation). */
    static final double CHI_SQUARE_MIN_EXPECTED = 5;

    /**
     * The two count vectors as cells {baseline count, current count}: one per value expected at least
     * {@value #CHI_SQUARE_MIN_EXPECTED} times in the smaller dataset, and one for the rest (when any).
     */
    static long[][] pooledCells(Map<String, Long> base, Map<String, Long> cur) {
        long nb = sum(base);
        long nc = sum(cur);
        double n = nb + nc;
        TreeSet<String> values = new TreeSet<>(base.keySet());
        values.addAll(cur.keySet());
        List<long[]> cells = new ArrayList<>();
        long[] pooled = new long[2];
        for (String v : values) {
            long kb = base.getOrDefault(v, 0L);
            long kc = cur.getOrDefault(v, 0L);
            if (Math.min(nb, nc) * (kb + kc) / n < CHI_SQUARE_MIN_EXPECTED) {
                pooled[0] += kb;
                pooled[1] += kc;
            } else {
                cells.add(new long[] {kb, kc});
            }
        }
        if (pooled[0] + pooled[1] > 0) {
            cells.add(pooled);
        }
        return cells.toArray(new long[0][]);
    }

    /** P-value of the two-sample chi-square test of homogeneity of the cells; 1 when fewer than two. */
    static double chiSquareP(long[][] cells) {
        if (cells.length < 2) {
            return 1.0;
        }
        long[] ob = new long[cells.length];
        long[] oc = new long[cells.length];
        for (int i = 0; i < cells.length; i++) {
            ob[i] = cells[i][0];
            oc[i] = cells[i][1];
        }
        return new ChiSquareTest().chiSquareTestDataSetsComparison(ob, oc);
    }

    /** The Jensen-Shannon distance (bits) of the cells' shares, its divergence less its expected value between two samples of one distribution. */
    static double debiasedJsDistance(long[][] cells, long nb, long nc) {
        double js = 0;
        for (long[] c : cells) {
            double p = c[0] / (double) nb;
            double q = c[1] / (double) nc;
            double m = (p + q) / 2;
            js += 0.5 * klTerm(p, m) + 0.5 * klTerm(q, m);
        }
        double bias = (cells.length - 1) * (1.0 / nb + 1.0 / nc) / (8 * Math.log(2));
        return Math.sqrt(Math.max(0, js - bias));
    }

    /** Values listed in a category drift finding: those whose share moved most. */
    static final int SHIFTS_LISTED = 10;

    private Detection categoryDetection(CategoryDrift f, CategoryCounts base, CategoryCounts cur) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("column", f.column());
        ev.put("statistic", "jensen_shannon_distance_debiased");
        ev.put("value", f.jsDistance());
        ev.put("threshold", settings.categoryJsThreshold());
        ev.put("chi_square_p_bonferroni", f.chiSquareP());
        ev.put("n_baseline", f.baselineRows());
        ev.put("n_current", f.currentRows());
        ev.put("distinct_baseline", base.distinct());
        ev.put("distinct_current", cur.distinct());
        Map<String, Double> pb = new LinkedHashMap<>();
        Map<String, Double> pc = new LinkedHashMap<>();
        ev.put("js_distance_all_values", jsDistance(base.counts(), cur.counts(), pb, pc));
        List<String> values = new ArrayList<>(pb.keySet());
        values.sort((x, y) -> Double.compare(Math.abs(pc.get(y) - pb.get(y)), Math.abs(pc.get(x) - pb.get(x))));
        List<Map<String, Object>> shifts = new ArrayList<>();
        for (String v : values.subList(0, Math.min(SHIFTS_LISTED, values.size()))) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("value", v);
            s.put("baseline_share", pb.get(v));
            s.put("current_share", pc.get(v));
            shifts.add(s);
        }
        ev.put("largest_shifts", shifts);
        ev.put("reason", f.reason());
        return Detection.of(ratioScore(f.jsDistance(), settings.categoryJsThreshold()), ev);
    }

    private FeatureDrift feature(String name, DatasetStats base, int b, DatasetStats cur, int c, int tests) {
        long nb = base.counts()[b];
        long nc = cur.counts()[c];
        double sigma = base.stds()[b] > 0 && Double.isFinite(base.stds()[b]) ? base.stds()[b] : 1.0;
        double shift = (cur.means()[c] - base.means()[b]) / sigma;
        KllDoublesSketch sb = base.sketches()[b];
        KllDoublesSketch sc = cur.sketches()[c];
        if (nb < settings.minRows() || nc < settings.minRows() || sb.isEmpty() || sc.isEmpty()) {
            return new FeatureDrift(name, nb, nc, Double.NaN, Double.NaN, null, null, shift, false, false,
                    "no verdict: fewer than min-rows " + settings.minRows() + " rows (baseline " + nb + ", current " + nc + ")");
        }
        double psi = psi(sb, sc, settings.bins());
        double w = wasserstein(sb, sc) / sigma;
        if (Math.min(nb, nc) <= settings.ksMaxRows()) {
            double d = ksStatistic(sb, sc);
            // The sizes of the two distributions compared: every row of the small side, and the sample
            // (a uniform subset) of a large one.
            double p = ksPValue(d, Math.min(nb, sb.getN()), Math.min(nc, sc.getN()));
            double corrected = Math.min(1.0, p * tests);
            boolean drift = corrected < settings.ksAlpha();
            String reason = String.format("ks D=%.4f, Bonferroni p=%.3g %s alpha %s", d, corrected, drift ? "<" : ">=", settings.ksAlpha());
            return new FeatureDrift(name, nb, nc, psi, w, d, corrected, shift, true, drift, reason);
        }
        boolean byPsi = psi > settings.psiThreshold();
        boolean byW = w > settings.wassersteinThreshold();
        String reason = String.format("psi=%.4f %s %s, wasserstein/sigma=%.4f %s %s", psi, byPsi ? ">" : "<=", settings.psiThreshold(), w,
                byW ? ">" : "<=", settings.wassersteinThreshold());
        return new FeatureDrift(name, nb, nc, psi, w, null, null, shift, true, byPsi || byW, reason);
    }

    private Detection featureDetection(FeatureDrift f, DatasetStats base, int b, DatasetStats cur, int c) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("feature", f.feature());
        double score;
        if (f.ksPValue() != null) {
            ev.put("statistic", "ks");
            ev.put("value", f.ksStatistic());
            ev.put("p_value_bonferroni", f.ksPValue());
            ev.put("threshold", settings.ksAlpha());
            score = 1 - f.ksPValue();
        } else {
            boolean psiWorse = f.psi() / settings.psiThreshold() >= f.wasserstein() / settings.wassersteinThreshold();
            ev.put("statistic", psiWorse ? "psi" : "wasserstein_over_sigma");
            ev.put("value", psiWorse ? f.psi() : f.wasserstein());
            ev.put("threshold", psiWorse ? settings.psiThreshold() : settings.wassersteinThreshold());
            score = Math.max(ratioScore(f.psi(), settings.psiThreshold()), ratioScore(f.wasserstein(), settings.wassersteinThreshold()));
        }
        ev.put("psi", f.psi());
        ev.put("wasserstein_over_sigma", f.wasserstein());
        ev.put("n_baseline", f.baselineRows());
        ev.put("n_current", f.currentRows());
        ev.put("baseline_mean", base.means()[b]);
        ev.put("current_mean", cur.means()[c]);
        ev.put("mean_shift_sigma", f.meanShiftSigma());
        ev.put("direction", f.meanShiftSigma() >= 0 ? "up" : "down");
        ev.put("reason", f.reason());
        return Detection.of(score, ev);
    }

    /** 0.5 at the threshold, rising towards 1 with the ratio. */
    static double ratioScore(double value, double threshold) {
        return 1 - Math.pow(2, -value / threshold);
    }

    /** PSI over the baseline's quantile bins (duplicate edges of discrete features merged). */
    static double psi(KllDoublesSketch base, KllDoublesSketch cur, int bins) {
        TreeSet<Double> edges = new TreeSet<>();
        for (int i = 1; i < bins; i++) {
            edges.add(base.getQuantile((double) i / bins, INCLUSIVE));
        }
        double prevB = 0;
        double prevC = 0;
        double psi = 0;
        for (double e : edges) {
            double fb = base.getRank(e, INCLUSIVE);
            double fc = cur.getRank(e, INCLUSIVE);
            psi += psiTerm(fb - prevB, fc - prevC);
            prevB = fb;
            prevC = fc;
        }
        return psi + psiTerm(1 - prevB, 1 - prevC);
    }

    private static double psiTerm(double pb, double pc) {
        double b = Math.max(pb, PSI_FLOOR);
        double c = Math.max(pc, PSI_FLOOR);
        return (c - b) * Math.log(c / b);
    }

    /** Wasserstein-1 distance between the sketched distributions, in the feature's units. */
    static double wasserstein(KllDoublesSketch base, KllDoublesSketch cur) {
        double[] ranks = new double[QUANTILE_GRID];
        for (int i = 0; i < QUANTILE_GRID; i++) {
            ranks[i] = (i + 0.5) / QUANTILE_GRID;
        }
        double[] qb = base.getQuantiles(ranks, INCLUSIVE);
        double[] qc = cur.getQuantiles(ranks, INCLUSIVE);
        double sum = 0;
        for (int i = 0; i < QUANTILE_GRID; i++) {
            sum += Math.abs(qb[i] - qc[i]);
        }
        return sum / QUANTILE_GRID;
    }

    /** sup |F_b - F_c|, evaluated at every item either sketch retains (exact while both are exact). */
    static double ksStatistic(KllDoublesSketch base, KllDoublesSketch cur) {
        double d = 0;
        for (KllDoublesSketch s : new KllDoublesSketch[] {base, cur}) {
            for (double x : s.getSortedView().getQuantiles()) {
                d = Math.max(d, Math.abs(base.getRank(x, INCLUSIVE) - cur.getRank(x, INCLUSIVE)));
            }
        }
        return d;
    }

    static double ksPValue(double d, long n, long m) {
        KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
        int ni = (int) Math.min(Integer.MAX_VALUE, n);
        int mi = (int) Math.min(Integer.MAX_VALUE, m);
        if (n * m < KS_EXACT_MAX_PRODUCT) {
            return ks.exactP(d, ni, mi, true);
        }
        return ks.approximateP(d, ni, mi);
    }


    /** The label distribution, compared as a category column is (debiased distance, chi-square guard). */
    private LabelDrift label(Map<String, Long> base, Map<String, Long> cur) {
        long nb = sum(base);
        long nc = sum(cur);
        if (nb == 0 || nc == 0) {
            return null;
        }
        Map<String, Double> pb = new LinkedHashMap<>();
        Map<String, Double> pc = new LinkedHashMap<>();
        jsDistance(base, cur, pb, pc);
        long[][] cells = pooledCells(base, cur);
        double distance = debiasedJsDistance(cells, nb, nc);
        double p = chiSquareP(cells);
        boolean drift = nb >= settings.minRows() && nc >= settings.minRows() && distance > settings.labelJsThreshold() && p < settings.ksAlpha();
        return new LabelDrift(distance, p, drift, pb, pc);
    }

    /**
     * The Jensen-Shannon distance (base 2, in [0, 1]) of two count vectors (neither empty); when given,
     * {@code pb} and {@code pc} receive each value's share, in value order.
     */
    static double jsDistance(Map<String, Long> base, Map<String, Long> cur, Map<String, Double> pb, Map<String, Double> pc) {
        long nb = sum(base);
        long nc = sum(cur);
        TreeSet<String> values = new TreeSet<>(base.keySet());
        values.addAll(cur.keySet());
        double js = 0;
        for (String l : values) {
            double p = base.getOrDefault(l, 0L) / (double) nb;
            double q = cur.getOrDefault(l, 0L) / (double) nc;
            if (pb != null) {
                pb.put(l, p);
                pc.put(l, q);
            }
            double m = (p + q) / 2;
            js += 0.5 * klTerm(p, m) + 0.5 * klTerm(q, m);
        }
        return Math.sqrt(Math.max(0, js));
    }

    private static double klTerm(double p, double m) {
        return p == 0 ? 0 : p * Math.log(p / m) / Math.log(2);
    }

    private static long sum(Map<String, Long> counts) {
        long s = 0;
        for (long v : counts.values()) {
            s += v;
        }
        return s;
    }
}
