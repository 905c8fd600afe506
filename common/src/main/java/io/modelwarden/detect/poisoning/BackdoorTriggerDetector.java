package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Tails;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * B4(c): tabular backdoor triggers, a feature set to one unusual constant that implies one label.
 *
 * <p><b>Attack.</b> A backdoor (BadNets-style, on tables) stamps a trigger (feature j = value v) on a
 * small share of training rows and relabels them to a target class, so the model learns "j = v
 * implies target" while behaving normally otherwise.
 *
 * <p><b>Signal.</b> Fitted on the reference sample (raw features): for each feature, the exact
 * values and their label counts; for each category column (a trigger token in a text-coded column,
 * a planted merchant or region code), its values and their label counts. A candidate is a (feature,
 * value) whose support share is in [{@code min-support}, {@code max-support}], held by at least
 * {@value #MIN_TRIGGER_ROWS} rows, with label purity at least {@code min-purity}. A value that
 * merely correlates with its natural class passes that test too, so each candidate is checked
 * against the rest of the row: for up to {@value #MAX_CHECKED_ROWS} of its rows a kNN (k = {@code
 * neighbours}, Euclidean in z-space without feature j, on every feature for a category value, over
 * the sample rows not carrying the value) predicts the label; the candidate is a trigger only when
 * the share predicted as its label (the agreement a), beyond the share b of that label in the
 * sample (what the kNN gives rows at random: a backdoor stamped on random rows agrees at about b),
 * (a - b) / (1 - b), is at most {@code max-agreement}. (Before session 12, a itself was compared: a
 * backdoor targeting the majority class of a binary dataset, b = 0.67, was never found.) A row
 * scores {@code 0.5 + 0.5 * purity * (1 - (a - b) / (1 - b))} when it carries a trigger value and
 * the trigger's label (flagged: threshold 0.5), {@code 0.25 * purity} when it carries the value
 * with another label, else 0.
 *
 * <p><b>Against a baseline.</b> Some values imply a label in data nobody tampered with (a code that
 * only one class uses; the generator's discrete feature with 4 features: 1.8% of clean rows flagged).
 * A trusted scan's baseline lists the triggers it found; a candidate with the same feature, value and
 * label is that natural rule, and is kept only when this sample holds it improbably more often than
 * the baseline's sample did (a backdoor may reuse a natural rule): a conditional binomial test of the
 * two counts given their sum, p below {@code max-p-value}. Kept rules name the baseline's share and the
 * p-value; the others are listed as {@code known_triggers} in the parameters and flag no row.
 *
 * <p><b>Cost.</b> Fit: O(n d) counting plus O(m r d) per candidate (m <= {@value #MAX_CHECKED_ROWS}
 * checked rows, half that for a natural rule, whose check stops once too many agree; r <= {@value
 * #AGREEMENT_REFERENCE_ROWS} reference rows). Per row: O(triggers), no allocation. Memory: the
 * triggers only.
 *
 * <p><b>Parameters</b> ({@code scan.detectors.backdoor.*}): min-support 0.001, max-support 0.05,
 * min-purity 0.95, neighbours 10, max-agreement 0.5. Values are compared exactly (the trigger is a
 * constant), so a trigger spread over a range of values is not found. Reference: DETECTORS.md B4(c);
 * Gu et al. 2017 (BadNets); Chen et al. 2017 (targeted backdoors by data poisoning).
 */
public final class BackdoorTriggerDetector implements RowDetector {
    private static final long serialVersionUID = 1L;
    public static final String ID = "trigger_rule";
    /** A trigger needs at least this many sample rows, whatever min-support says for a small sample. */
    public static final int MIN_TRIGGER_ROWS = 5;
    /** Rows of a candidate on which the kNN agreement is measured (the first in sample order). */
    public static final int MAX_CHECKED_ROWS = 200;
    /**
     * Rows the agreement kNN searches (a stride over the sample's rows without the value): 20,000
     * made each candidate cost about 0.1 s, and a column of codes that follow the class (60 pure
     * values) 6 s of the fit.
     */
    static final int AGREEMENT_REFERENCE_ROWS = 4_000;
    static final double THRESHOLD = 0.5;
    private static final double OTHER_LABEL_WEIGHT = 0.25;

    /**
     * A trigger a trusted scan found ({@code triggers} of its baseline entry), with that scan's sample size.
     */
    public record KnownTrigger(String featureName, double value, String text, String label, int support, int sampleRows) implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        /** The triggers of a baseline's entry for this detector; null when it has none (not an entry of this detector). */
        public static List<KnownTrigger> fromBaselineEntry(Map<String, Object> entry) {
            if (entry == null || !(entry.get("triggers") instanceof List<?> list) || !(entry.get("sample_rows") instanceof Number rows)) {
                return null;
            }
            List<KnownTrigger> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> m) || !(m.get("value") instanceof Number || m.get("value") instanceof String)
                        || !(m.get("support") instanceof Number support)) {
                    return null;
                }
                Object v = m.get("value");
                out.add(new KnownTrigger(String.valueOf(m.get("feature")), v instanceof Number number ? number.doubleValue() : Double.NaN,
                        v instanceof String text ? text : null, String.valueOf(m.get("target_label")), support.intValue(), rows.intValue()));
            }
            return out;
        }

        boolean sameRule(Trigger t) {
            boolean sameValue = t.text() != null ? t.text().equals(text) : text == null && bits(value) == bits(t.value());
            return featureName.equals(t.featureName()) && sameValue && label.equals(t.label());
        }

        /**
         * P(this sample's count >= support | the two counts' sum), the two samples drawing the rule at one
         * rate (conditional binomial test: the sample's share of the sum is n / (n + n_baseline)).
         */
        double pValue(int support, int rows) {
            int total = support + this.support;
            double share = (double) rows / (rows + sampleRows);
            return Tails.binomial(support, total, share);
        }
    }

    /**
     * One trigger found in the sample: on numeric feature {@code feature} = {@code value}, or, when
     * {@code text} is not null, on category column {@code feature} = {@code text}; {@code baselineShare}
     * and {@code pValue} are NaN without a baseline that knew it.
     */
    public record Trigger(
            int feature, String featureName, double value, String text, String label, int support, double supportShare, double purity,
            double agreement, double baseRate, int checkedRows, double baselineShare, double pValue)
            implements java.io.Serializable {
        Trigger(int feature, String featureName, double value, String text, String label, int support, double supportShare, double purity,
                double agreement, double baseRate, int checkedRows) {
            this(feature, featureName, value, text, label, support, supportShare, purity, agreement, baseRate, checkedRows, Double.NaN, Double.NaN);
        }

        /** The agreement beyond what the label's share gives by chance: 0 at the base rate, 1 when every row agrees. */
        double agreementBeyondChance() {
            return beyondChance(agreement, baseRate);
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("feature", featureName);
            m.put("value", text != null ? text : (Object) value);
            if (text != null) {
                m.put("column_type", "category");
            }
            m.put("target_label", label);
            m.put("support", support);
            m.put("support_share", supportShare);
            m.put("purity", purity);
            m.put("knn_agreement", agreement);
            m.put("label_base_rate", baseRate);
            m.put("knn_agreement_beyond_chance", agreementBeyondChance());
            m.put("knn_checked_rows", checkedRows);
            if (!Double.isNaN(baselineShare)) {
                m.put("baseline_support_share", baselineShare);
                m.put("p_value", pValue);
            }
            return m;
        }
    }

    private final BackdoorSettings settings;
    private final List<Trigger> triggers;
    /** Natural rules of the baseline this sample reproduced; they flag no row. */
    private final List<Trigger> known;
    private final int sampleRows;
    // Parallel arrays of the triggers for the per-row path.
    private final int[] features;
    private final long[] valueBits;
    /** Per trigger, its category value (the trigger is on category column features[t]), or null for a numeric one. */
    private final String[] texts;
    private final String[] labels;
    private final double[] matchScore;
    private final double[] otherScore;

    private BackdoorTriggerDetector(BackdoorSettings settings, List<Trigger> triggers, List<Trigger> known, int sampleRows) {
        this.settings = settings;
        this.triggers = List.copyOf(triggers);
        this.known = List.copyOf(known);
        this.sampleRows = sampleRows;
        int t = triggers.size();
        features = new int[t];
        valueBits = new long[t];
        texts = new String[t];
        labels = new String[t];
        matchScore = new double[t];
        otherScore = new double[t];
        for (int i = 0; i < t; i++) {
            Trigger tr = triggers.get(i);
            features[i] = tr.feature();
            valueBits[i] = bits(tr.value());
            texts[i] = tr.text();
            labels[i] = tr.label();
            matchScore[i] = THRESHOLD + (1 - THRESHOLD) * tr.purity() * (1 - tr.agreementBeyondChance());
            otherScore[i] = OTHER_LABEL_WEIGHT * tr.purity();
        }
    }

    /**
     * Fits on the reference sample.
     *
     * @param sample rows with raw features (rows without a label are ignored)
     * @param standardizer the profile's z-scoring, used for the kNN check
     */
    public static BackdoorTriggerDetector fit(List<TrainingRow> sample, Standardizer standardizer, String[] featureNames, BackdoorSettings settings) {
        return fit(sample, standardizer, featureNames, settings, null);
    }

    /**
     * {@link #fit(List, Standardizer, String[], BackdoorSettings)} against a trusted baseline's triggers.
     *
     * @param baseline {@link KnownTrigger#fromBaselineEntry} of the baseline, or null for none
     */
    public static BackdoorTriggerDetector fit(List<TrainingRow> sample, Standardizer standardizer, String[] featureNames, BackdoorSettings settings,
            List<KnownTrigger> baseline) {
        return fit(sample, standardizer, featureNames, new String[0], settings, baseline);
    }

    /**
     * {@link #fit(List, Standardizer, String[], BackdoorSettings, List)} with category columns: their
     * values (in {@link TrainingRow#categories}) are candidates too, checked by the kNN on every numeric
     * feature.
     */
    public static BackdoorTriggerDetector fit(List<TrainingRow> sample, Standardizer standardizer, String[] featureNames, String[] categoryNames,
            BackdoorSettings settings, List<KnownTrigger> baseline) {
        List<TrainingRow> rows = new ArrayList<>(sample.size());
        for (TrainingRow r : sample) {
            if (r.label != null) {
                rows.add(r);
            }
        }
        int n = rows.size();
        int d = featureNames.length;
        List<Trigger> found = new ArrayList<>();
        List<Trigger> known = new ArrayList<>();
        if (n == 0) {
            return new BackdoorTriggerDetector(settings, found, known, 0);
        }
        double[][] z = new double[n][];
        String[] y = new String[n];
        for (int i = 0; i < n; i++) {
            z[i] = standardizer.apply(rows.get(i).features);
            y[i] = rows.get(i).label;
        }
        Map<String, Integer> labelTotals = new TreeMap<>();
        for (String label : y) {
            labelTotals.merge(label, 1, Integer::sum);
        }
        int minCount = Math.max(MIN_TRIGGER_ROWS, (int) Math.ceil(settings.minSupport() * n));
        int maxCount = (int) Math.floor(settings.maxSupport() * n);
        long[] column = new long[n];
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < n; i++) {
                column[i] = bits(rows.get(i).features[j]);
            }
            // Values within the support range, found by sorting the column (a continuous feature has
            // as many values as rows: counting them in maps cost a map per value); their label counts
            // are then taken in one more pass.
            long[] sorted = column.clone();
            Arrays.sort(sorted);
            long[] supported = new long[n];
            int m = 0;
            for (int start = 0; start < n; ) {
                int end = start + 1;
                while (end < n && sorted[end] == sorted[start]) {
                    end++;
                }
                if (end - start >= minCount && end - start <= maxCount) {
                    supported[m++] = sorted[start];
                }
                start = end;
            }
            if (m == 0) {
                continue;
            }
            supported = Arrays.copyOf(supported, m); // ascending bits: binary-searchable
            List<Map<String, Integer>> labelCounts = new ArrayList<>(m);
            for (int c = 0; c < m; c++) {
                labelCounts.add(new TreeMap<>());
            }
            for (int i = 0; i < n; i++) {
                int c = Arrays.binarySearch(supported, column[i]);
                if (c >= 0) {
                    labelCounts.get(c).merge(y[i], 1, Integer::sum);
                }
            }
            // TreeMap over values keeps the candidate order deterministic.
            TreeMap<Double, Map<String, Integer>> candidates = new TreeMap<>();
            for (int c = 0; c < m; c++) {
                candidates.put(Double.longBitsToDouble(supported[c]), labelCounts.get(c));
            }
            for (Map.Entry<Double, Map<String, Integer>> e : candidates.entrySet()) {
                long vb = bits(e.getKey());
                boolean[] carries = new boolean[n];
                for (int i = 0; i < n; i++) {
                    carries[i] = column[i] == vb;
                }
                judge(j, featureNames[j], e.getKey(), null, e.getValue(), carries, j, rows, z, y, labelTotals, settings, baseline, found, known);
            }
        }
        for (int c = 0; c < categoryNames.length; c++) {
            // Category values: counted in a map (a category column has few values).
            TreeMap<String, Map<String, Integer>> counts = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                String[] values = rows.get(i).categories;
                if (values != null && values[c] != null) {
                    counts.computeIfAbsent(values[c], v -> new TreeMap<>()).merge(y[i], 1, Integer::sum);
                }
            }
            for (Map.Entry<String, Map<String, Integer>> e : counts.entrySet()) {
                int count = 0;
                for (int k : e.getValue().values()) {
                    count += k;
                }
                if (count < minCount || count > maxCount) {
                    continue;
                }
                boolean[] carries = new boolean[n];
                for (int i = 0; i < n; i++) {
                    String[] values = rows.get(i).categories;
                    carries[i] = values != null && e.getKey().equals(values[c]);
                }
                judge(c, categoryNames[c], Double.NaN, e.getKey(), e.getValue(), carries, -1, rows, z, y, labelTotals, settings, baseline, found, known);
            }
        }
        return new BackdoorTriggerDetector(settings, found, known, n);
    }

    /**
     * One candidate value: kept as a trigger (in {@code found}, or in {@code known} when the baseline
     * had it as a natural rule this sample does not hold improbably more often) when its label purity
     * reaches {@code min-purity} and the kNN on the other features agrees with its label at most
     * {@code max-agreement} of the time.
     *
     * @param labelCounts the label counts of the rows carrying the value
     * @param carries per sample row, whether it carries the value
     * @param excluded the numeric feature the kNN leaves out (-1: none, for a category value)
     */
    private static void judge(int column, String name, double value, String text, Map<String, Integer> labelCounts, boolean[] carries, int excluded,
            List<TrainingRow> rows, double[][] z, String[] y, Map<String, Integer> labelTotals, BackdoorSettings settings, List<KnownTrigger> baseline,
            List<Trigger> found, List<Trigger> known) {
        int n = rows.size();
        int count = 0;
        String top = null;
        int topCount = -1;
        for (Map.Entry<String, Integer> lc : labelCounts.entrySet()) {
            count += lc.getValue();
            if (lc.getValue() > topCount) {
                top = lc.getKey();
                topCount = lc.getValue();
            }
        }
        double purity = (double) topCount / count;
        if (purity < settings.minPurity()) {
            return;
        }
        // The kNN labels a row the target by chance about as often as the sample holds it: a backdoor
        // stamped on random rows agrees at that base rate, a natural rule (the rest of the row implies
        // the label) far above it. The bar is max-agreement of the way from the base rate to 1.
        double base = labelTotals.getOrDefault(top, 0) / (double) n;
        double bar = base + settings.maxAgreement() * (1 - base);
        // Checking stops once more rows agree than a trigger may have: a natural rule costs about half.
        int maxAgreeing = (int) Math.floor(bar * Math.min(MAX_CHECKED_ROWS, topCount));
        int[] agreement = agreement(carries, z, y, excluded, top, settings.neighbours(), maxAgreeing);
        double agree = agreement[1] == 0 ? 1.0 : (double) agreement[0] / agreement[1];
        if (beyondChance(agree, base) > settings.maxAgreement()) {
            return;
        }
        Trigger t = new Trigger(column, name, value, text, top, count, (double) count / n, purity, agree, base, agreement[1]);
        KnownTrigger natural = baseline == null ? null : find(baseline, t);
        if (natural == null) {
            found.add(t);
        } else {
            double p = natural.pValue(count, n);
            Trigger judged = new Trigger(column, name, value, text, top, count, (double) count / n, purity, agree, base, agreement[1],
                    (double) natural.support() / natural.sampleRows(), p);
            (p < settings.maxPValue() ? found : known).add(judged);
        }
    }

    /** (agreement - base) / (1 - base), within [0, 1]; 1 when the base rate is 1 (a single class). */
    static double beyondChance(double agreement, double base) {
        if (base >= 1) {
            return 1;
        }
        return Math.max(0, Math.min(1, (agreement - base) / (1 - base)));
    }

    private static KnownTrigger find(List<KnownTrigger> baseline, Trigger t) {
        for (KnownTrigger k : baseline) {
            if (k.sameRule(t)) {
                return k;
            }
        }
        return null;
    }

    /**
     * {agreeing, checked}: how many checked rows carrying the value the kNN (over the rows not carrying
     * it, feature {@code j} left out; -1: none) labels {@code label}; checking stops early once more than
     * {@code maxAgreeing} agree (the share is then at least what it would have been).
     */
    private static int[] agreement(boolean[] carries, double[][] z, String[] y, int j, String label, int k, int maxAgreeing) {
        int n = carries.length;
        // The neighbours are sought among at most AGREEMENT_REFERENCE_ROWS rows not carrying the value
        // (every stride-th: the sample is in random order).
        int others = 0;
        for (boolean c : carries) {
            others += c ? 0 : 1;
        }
        int stride = Math.max(1, (others + AGREEMENT_REFERENCE_ROWS - 1) / AGREEMENT_REFERENCE_ROWS);
        int[] reference = new int[(others + stride - 1) / stride];
        int m = 0;
        int seen = 0;
        for (int r = 0; r < n; r++) {
            if (!carries[r] && seen++ % stride == 0) {
                reference[m++] = r;
            }
        }
        int agreeing = 0;
        int checked = 0;
        double[] bestD = new double[k];
        int[] bestI = new int[k];
        for (int q = 0; q < n && checked < MAX_CHECKED_ROWS && agreeing <= maxAgreeing; q++) {
            if (!carries[q] || !label.equals(y[q])) {
                continue;
            }
            int have = 0;
            for (int i = 0; i < m; i++) {
                int r = reference[i];
                double dist = 0;
                double[] a = z[q];
                double[] b = z[r];
                // Once k are held, stop as soon as the row cannot enter: the sum only grows. (NaN, no
                // bound, while fewer are held: dist >= NaN is never true.)
                double bound = have < k ? Double.NaN : bestD[k - 1];
                for (int f = 0; f < a.length; f++) {
                    if (f != j) {
                        double t = a[f] - b[f];
                        dist += t * t;
                        if (dist >= bound) {
                            break;
                        }
                    }
                }
                if (have < k) {
                    insert(bestD, bestI, have++, dist, r);
                } else if (dist < bestD[k - 1]) {
                    insert(bestD, bestI, k - 1, dist, r);
                }
            }
            if (have == 0) {
                continue;
            }
            Map<String, Integer> votes = new TreeMap<>();
            for (int v = 0; v < have; v++) {
                votes.merge(y[bestI[v]], 1, Integer::sum);
            }
            String predicted = null;
            int most = -1;
            for (Map.Entry<String, Integer> e : votes.entrySet()) {
                if (e.getValue() > most) {
                    most = e.getValue();
                    predicted = e.getKey();
                }
            }
            checked++;
            if (label.equals(predicted)) {
                agreeing++;
            }
        }
        return new int[] {agreeing, checked};
    }

    /** Inserts (dist, idx) into the sorted prefix [0, pos] by shifting larger entries right. */
    private static void insert(double[] d, int[] idx, int pos, double dist, int i) {
        int p = pos;
        while (p > 0 && d[p - 1] > dist) {
            d[p] = d[p - 1];
            idx[p] = idx[p - 1];
            p--;
        }
        d[p] = dist;
        idx[p] = i;
    }

    /** -0.0 and 0.0 are one value; every NaN is one value. */
    private static long bits(double v) {
        return v == 0.0 ? 0L : Double.doubleToLongBits(v);
    }

    public List<Trigger> triggers() {
        return triggers;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public FindingKind kind() {
        return FindingKind.BACKDOOR;
    }

    @Override
    public double score(TrainingRow row, double[] z) {
        double best = 0;
        for (int t = 0; t < features.length; t++) {
            if (!carries(row, t)) {
                continue;
            }
            double s = labels[t].equals(row.label) ? matchScore[t] : otherScore[t];
            if (s > best) {
                best = s;
            }
        }
        return best;
    }

    private boolean carries(TrainingRow row, int t) {
        if (texts[t] == null) {
            return bits(row.features[features[t]]) == valueBits[t];
        }
        return row.categories != null && texts[t].equals(row.categories[features[t]]);
    }

    @Override
    public double threshold() {
        return THRESHOLD;
    }

    @Override
    public Detection explain(TrainingRow row, double[] z, double score) {
        List<Map<String, Object>> hits = new ArrayList<>();
        for (int t = 0; t < features.length; t++) {
            if (carries(row, t)) {
                Map<String, Object> m = triggers.get(t).asMap();
                m.put("row_label", row.label);
                hits.add(m);
            }
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("triggers", hits);
        ev.put("sample_rows", sampleRows);
        ev.put("threshold", THRESHOLD);
        return Detection.of(score, ev);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("min_support", settings.minSupport());
        p.put("max_support", settings.maxSupport());
        p.put("min_purity", settings.minPurity());
        p.put("neighbours", settings.neighbours());
        p.put("max_agreement", settings.maxAgreement());
        p.put("sample_rows", sampleRows);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Trigger t : triggers) {
            list.add(t.asMap());
        }
        p.put("triggers", list);
        if (!known.isEmpty()) {
            List<Map<String, Object>> natural = new ArrayList<>();
            for (Trigger t : known) {
                natural.add(t.asMap());
            }
            p.put("known_triggers", natural);
        }
        return p;
    }
}
