package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.math3.special.Erf;

/**
 * S7, model-inversion detector (MODEL_INVERSION, id {@code model_inversion}). Key: {@code
 * model_id|client_id}.
 *
 * <p><b>Attack.</b> Fredrikson et al. (CCS 2014, CCS 2015): an attacker who knows some attributes of
 * a person holds them fixed and sweeps the unknown sensitive one, reading off which value the model is
 * most confident about; or hill-climbs the confidence of one class to reconstruct a representative
 * input of it.
 *
 * <p><b>Signal.</b> Over the last {@code window} queries, features quantised to baseline percentile
 * bins (0..100): (a) sweep: the share of consecutive pairs that differ in at most one feature, and the
 * number of distinct bins the most often changed feature took in those pairs; alert when the share
 * exceeds {@code sweep-share} and the feature took at least {@code min-distinct-values} bins. Exact
 * repeats (a retrying client) make near pairs but no distinct values, so they do not alert. (b)
 * hill-climbing: when the OOD share (sum z^2 above the chi-square_d {@code ood-quantile}) of the
 * window's newer half is at least {@code ood-rise-min-share} and above the older half's, a one-sided
 * Mann-Kendall test (no tie correction: probabilities are continuous) on the predicted-class
 * probability over the window's queries predicted as the current query's class; alert when p <
 * {@code trend-alpha} with at least {@code min-trend-queries} such queries. The OOD gate keeps benign
 * clients, whose confidences are exchangeable, from paying the per-check false-positive rate of the
 * trend test, and keeps the O(W^2) test off the common path. Each rule alerts once per episode and
 * re-arms when its condition clears. Both rules need {@code min-queries} queries in the window.
 *
 * <p><b>Limitations.</b> A sweep interleaved with unrelated queries (or spread over accounts) dilutes
 * the pair share; a sweep coarser than the percentile bins takes fewer distinct values; a
 * hill-climber that stays in distribution (small steps, early stop) passes the OOD gate only if it
 * drifts out.
 *
 * <p><b>Cost.</b> O(d log 101) per event for the bins, O(W) for the rule gates, and O(W^2) (at
 * most ~5,000 comparisons) for Mann-Kendall only behind the OOD gate. <b>Memory per key</b> at
 * defaults and d = 8: per slot 2 + 1 + 4 + 4 + 1 + 8 = 20 B, x 100 = 2,000 B, plus 8 B bins and 32 B
 * counters: about 2.1 KiB.
 */
public final class InversionDetector implements ServingDetector<InversionState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "model_inversion";
    static final short SAME = -1;
    static final short MANY = -2;
    static final short NONE = -3;

    private final InversionSettings settings;
    private final ServingBaseline baseline;
    private final double oodCut;

    public InversionDetector(InversionSettings settings, ServingBaseline baseline) {
        if (baseline.dimensions() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("model_inversion supports at most " + Short.MAX_VALUE + " features");
        }
        this.settings = settings;
        this.baseline = baseline;
        this.oodCut = ServingFeatures.chiSquareQuantile(baseline.dimensions(), settings.oodQuantile());
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.MODEL_INVERSION;
    }

    @Override
    public Class<InversionState> stateClass() {
        return InversionState.class;
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    @Override
    public InversionState newState() {
        int w = settings.window();
        InversionState s = new InversionState();
        s.previousBins = new byte[baseline.dimensions()];
        s.pairKind = new short[w];
        s.pairValue = new byte[w];
        s.labelHash = new int[w];
        s.confidence = new float[w];
        s.ood = new boolean[w];
        s.times = new long[w];
        s.singleChanges = new int[baseline.dimensions()];
        return s;
    }

    @Override
    public Optional<ServingDetection> observe(InversionState s, InferenceEvent e) {
        if (!ServingFeatures.usable(e, baseline)) {
            return Optional.empty();
        }
        int w = settings.window();
        int slot = ServingFeatures.slot(s.queries, w);
        if (s.queries >= w) {
            short old = s.pairKind[slot];
            if (old >= 0) {
                s.singleChanges[old]--;
            }
            if (old != MANY && old != NONE) {
                s.nearPairs--;
            }
        }
        int d = baseline.dimensions();
        short kind = s.queries == 0 ? NONE : SAME;
        int changedBin = 0;
        for (int j = 0; j < d; j++) {
            byte b = (byte) ServingFeatures.percentile(baseline.quantiles(j), e.features[j]);
            if (s.queries > 0 && b != s.previousBins[j] && kind != MANY) {
                if (kind == SAME) {
                    kind = (short) j;
                    changedBin = b;
                } else {
                    kind = MANY;
                }
            }
            s.previousBins[j] = b;
        }
        s.pairKind[slot] = kind;
        s.pairValue[slot] = (byte) changedBin;
        if (kind >= 0) {
            s.singleChanges[kind]++;
        }
        if (kind != MANY && kind != NONE) {
            s.nearPairs++;
        }
        s.ood[slot] = ServingFeatures.zSquaredNorm(e, baseline) > oodCut;
        s.labelHash[slot] = e.predictedLabel == null ? 0 : e.predictedLabel.hashCode() | 1;
        s.confidence[slot] = (float) classProbability(e);
        s.times[slot] = e.timestampMillis;
        s.queries++;

        int inWindow = (int) Math.min(s.queries, w);
        if (inWindow < settings.minQueries()) {
            return Optional.empty();
        }
        int oldest = s.queries >= w ? ServingFeatures.slot(s.queries, w) : 0;
        int pairs = s.queries <= w ? inWindow - 1 : inWindow;
        Optional<ServingDetection> sweep = sweepRule(s, e, inWindow, pairs, oldest);
        if (sweep.isPresent()) {
            return sweep;
        }
        return trendRule(s, e, inWindow, oldest, slot);
    }

    private Optional<ServingDetection> sweepRule(InversionState s, InferenceEvent e, int inWindow, int pairs, int oldest) {
        double share = pairs == 0 ? 0 : (double) s.nearPairs / pairs;
        if (!(share > settings.sweepShare())) {
            s.sweepAlerting = false;
            return Optional.empty();
        }
        int feature = 0;
        for (int j = 1; j < s.singleChanges.length; j++) {
            if (s.singleChanges[j] > s.singleChanges[feature]) {
                feature = j;
            }
        }
        long lo = 0;
        long hi = 0;
        int w = settings.window();
        for (int i = 0; i < inWindow; i++) {
            int idx = (oldest + i) % w;
            if (s.pairKind[idx] == feature) {
                int v = s.pairValue[idx];
                if (v < 64) {
                    lo |= 1L << v;
                } else {
                    hi |= 1L << (v - 64);
                }
            }
        }
        int distinct = Long.bitCount(lo) + Long.bitCount(hi);
        if (distinct < settings.minDistinctValues()) {
            s.sweepAlerting = false;
            return Optional.empty();
        }
        if (s.sweepAlerting) {
            return Optional.empty();
        }
        s.sweepAlerting = true;
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rule", "feature_sweep");
        ev.put("near_pair_share", share);
        ev.put("sweep_share", settings.sweepShare());
        ev.put("swept_feature", baseline.featureOrder().get(feature));
        ev.put("single_feature_changes", s.singleChanges[feature]);
        ev.put("distinct_values", distinct);
        ev.put("min_distinct_values", settings.minDistinctValues());
        ev.put("window_queries", inWindow);
        ev.put("last_event_id", e.eventId);
        double score = 0.5 + 0.5 * Math.min(1.0, (share - settings.sweepShare()) / (1 - settings.sweepShare()));
        return Optional.of(new ServingDetection(Detection.of(score, ev), Math.min(s.times[oldest], e.timestampMillis), e.timestampMillis));
    }

    private Optional<ServingDetection> trendRule(InversionState s, InferenceEvent e, int inWindow, int oldest, int current) {
        int w = settings.window();
        int half = inWindow / 2;
        int olderOod = 0;
        int newerOod = 0;
        for (int i = 0; i < inWindow; i++) {
            if (s.ood[(oldest + i) % w]) {
                if (i < inWindow - half) {
                    olderOod++;
                } else {
                    newerOod++;
                }
            }
        }
        double newerShare = (double) newerOod / half;
        double olderShare = (double) olderOod / (inWindow - half);
        int label = s.labelHash[current];
        if (!(newerShare >= settings.oodRiseMinShare() && newerShare > olderShare) || label == 0) {
            s.trendAlerting = false;
            return Optional.empty();
        }
        // Mann-Kendall S over the window's probabilities of the current class, in arrival order.
        long sum = 0;
        int n = 0;
        for (int i = 0; i < inWindow; i++) {
            int a = (oldest + i) % w;
            if (s.labelHash[a] != label || Float.isNaN(s.confidence[a])) {
                continue;
            }
            n++;
            for (int k = i + 1; k < inWindow; k++) {
                int b = (oldest + k) % w;
                if (s.labelHash[b] == label && !Float.isNaN(s.confidence[b])) {
                    sum += Float.compare(s.confidence[b], s.confidence[a]) > 0 ? 1 : (s.confidence[b] < s.confidence[a] ? -1 : 0);
                }
            }
        }
        if (n < settings.minTrendQueries() || sum <= 0) {
            s.trendAlerting = false;
            return Optional.empty();
        }
        double variance = n * (n - 1.0) * (2.0 * n + 5.0) / 18.0;
        double zScore = (sum - 1) / Math.sqrt(variance);
        double p = 0.5 * Erf.erfc(zScore / Math.sqrt(2));
        if (!(p < settings.trendAlpha())) {
            s.trendAlerting = false;
            return Optional.empty();
        }
        if (s.trendAlerting) {
            return Optional.empty();
        }
        s.trendAlerting = true;
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rule", "confidence_trend");
        ev.put("target_label", e.predictedLabel);
        ev.put("mann_kendall_s", sum);
        ev.put("trend_queries", n);
        ev.put("p_value", p);
        ev.put("trend_alpha", settings.trendAlpha());
        ev.put("ood_share_newer_half", newerShare);
        ev.put("ood_share_older_half", olderShare);
        ev.put("ood_rise_min_share", settings.oodRiseMinShare());
        ev.put("window_queries", inWindow);
        ev.put("last_event_id", e.eventId);
        double score = 0.5 + 0.5 * Math.min(1.0, Math.log10(settings.trendAlpha() / Math.max(p, Double.MIN_NORMAL)) / 4.0);
        return Optional.of(new ServingDetection(Detection.of(score, ev), Math.min(s.times[oldest], e.timestampMillis), e.timestampMillis));
    }

    /** The predicted class's probability: the confidence, else the largest probability, else NaN. */
    static double classProbability(InferenceEvent e) {
        if (Double.isFinite(e.confidence)) {
            return e.confidence;
        }
        if (e.probabilities == null || e.probabilities.length == 0) {
            return Double.NaN;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double p : e.probabilities) {
            max = Math.max(max, p);
        }
        return max;
    }
}
