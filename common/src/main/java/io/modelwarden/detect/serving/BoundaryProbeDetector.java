package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * S5: boundary-probing signal. Keyed by {@code model_id|client_id}.
 *
 * <p><b>Attack.</b> Decision-based evasion (Boundary attack, HopSkipJump: Chen, Jordan, Wainwright, S&P
 * 2020) and boundary-focused extraction: binary searches between two differently-labelled points and
 * random perturbations around a boundary point put most queries on the decision boundary.
 *
 * <p><b>Signal.</b> Over the client's last {@code window} queries: (a) the share of low-margin queries,
 * p_top1 - p_top2 < {@code low-margin}; (b) the share of queries that lie within
 * {@code near-duplicate-radius} (z-space L2) of one of the previous {@code compare-last} queries but got a
 * different predicted label. Alarm when either share exceeds its threshold, once at least
 * {@code min-queries} queries are in the window (the share is over the queries seen so far, so an attack
 * is caught early). Thresholds: the baseline's {@code boundary_probe.low_margin_fraction} /
 * {@code flip_fraction} (benign p99) when present, else the configured values, which sit above the
 * benign p99 measured on the synthetic scenarios. Exact repeats (retries) are skipped.
 * Score = 0.5 + 0.5 x the larger relative excess over its threshold.
 *
 * <p><b>Cost per event.</b> O(compare-last x d) = 64 flops at defaults with d = 8, plus O(c) for the margin.
 *
 * <p><b>Memory per key.</b> window x (1 + 1 + 8) bytes + compare-last x (4 d + label) + 8 x 32: at
 * defaults (window 200, compare-last 8, d = 8) 2,000 + 256 + ~400 + 256, about 3 KB once the window is
 * full; the rings grow with the queries ({@link Rings}).
 *
 * <p><b>Parameters</b> ({@link BoundaryProbeSettings}): window 200, min-queries 10, low-margin 0.1,
 * low-margin-fraction 0.5, flip-fraction 0.15, near-duplicate-radius 0.5, compare-last 8, idle-timeout 24h.
 */
public final class BoundaryProbeDetector implements ServingDetector<BoundaryProbeState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "boundary_probe";
    private static final int RECENT_REPEATS = 32;

    private final BoundaryProbeSettings settings;
    private final ServingBaseline baseline;
    private final double lowMarginFraction;
    private final double flipFraction;

    /** @param baseline the model's baseline (z-space, calibrated fractions), or null for raw features */
    public BoundaryProbeDetector(BoundaryProbeSettings settings, ServingBaseline baseline) {
        this.settings = settings;
        this.baseline = baseline;
        Map<String, Object> calibrated = baseline == null ? Map.of() : baseline.detector(ID);
        this.lowMarginFraction = fraction(calibrated.get("low_margin_fraction"), settings.lowMarginFraction());
        this.flipFraction = fraction(calibrated.get("flip_fraction"), settings.flipFraction());
    }

    private static double fraction(Object v, double fallback) {
        return v instanceof Number n && n.doubleValue() > 0 && n.doubleValue() < 1 ? n.doubleValue() : fallback;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.ADVERSARIAL;
    }

    @Override
    public Class<BoundaryProbeState> stateClass() {
        return BoundaryProbeState.class;
    }

    @Override
    public BoundaryProbeState newState() {
        return new BoundaryProbeState(); // rings grow as queries arrive (Rings)
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    /**
     * Benign thresholds for the baseline's {@code boundary_probe} map: runs each clean client's events
     * through a detector with the given settings and returns, for both shares, the {@code percentile}
     * (in percent, e.g. 99) over clients of the client's largest windowed share, floored at
     * 1 / min-queries so that a single event in the smallest window cannot trip it.
     */
    public static Map<String, Object> calibrate(
            List<List<InferenceEvent>> benignClients, BoundaryProbeSettings settings, ServingBaseline baseline, double percentile) {
        if (benignClients.isEmpty()) {
            throw new IllegalArgumentException("need at least one benign client");
        }
        BoundaryProbeDetector d = new BoundaryProbeDetector(settings, baseline);
        double[] low = new double[benignClients.size()];
        double[] flip = new double[benignClients.size()];
        for (int c = 0; c < low.length; c++) {
            BoundaryProbeState s = d.newState();
            for (InferenceEvent e : benignClients.get(c)) {
                d.observe(s, e);
                int n = (int) Math.min(s.count, settings.window());
                if (n >= settings.minQueries()) {
                    low[c] = Math.max(low[c], s.lowMarginCount / (double) n);
                    flip[c] = Math.max(flip[c], s.flipCount / (double) n);
                }
            }
        }
        double floor = 1.0 / settings.minQueries();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("low_margin_fraction", Math.min(0.99, Math.max(floor, quantile(low, percentile))));
        out.put("flip_fraction", Math.min(0.99, Math.max(floor, quantile(flip, percentile))));
        return out;
    }

    private static double quantile(double[] v, double percentile) {
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = percentile / 100.0 * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    @Override
    public Optional<ServingDetection> observe(BoundaryProbeState s, InferenceEvent e) {
        int expected = baseline != null ? baseline.dimensions() : s.dims;
        if (!e.hasPrediction() || !ServingVectors.usable(e, expected)) {
            return Optional.empty();
        }
        s.recent = Rings.fit(s.recent, s.recentNext, RECENT_REPEATS);
        if (ServingVectors.isRepeat(s.recent, s.recentNext, ServingVectors.exactHash(e))) {
            return Optional.empty();
        }
        s.recentNext = (s.recentNext + 1) % RECENT_REPEATS;
        double[] x = ServingVectors.encode(baseline, e);
        int m = settings.compareLast();
        if (s.dims == 0) {
            s.dims = x.length;
        }
        double margin = e.margin();
        boolean low = margin < settings.lowMargin(); // NaN (no probabilities): not low
        boolean flipped = false;
        long held = Math.min(s.count, m);
        for (int i = 0; i < held && !flipped; i++) {
            if (!e.predictedLabel.equals(s.lastLabels[i])
                    && ServingVectors.distance(x, s.lastVectors, i * s.dims) < settings.nearDuplicateRadius()) {
                flipped = true;
            }
        }
        int w = settings.window();
        int pos = (int) (s.count % w);
        s.lowMargin = Rings.fit(s.lowMargin, pos, w, 1);
        s.flip = Rings.fit(s.flip, pos, w, 1);
        s.times = Rings.fit(s.times, pos, w);
        if (s.count >= w) {
            s.lowMarginCount -= s.lowMargin[pos];
            s.flipCount -= s.flip[pos];
        }
        s.lowMargin[pos] = (byte) (low ? 1 : 0);
        s.flip[pos] = (byte) (flipped ? 1 : 0);
        s.times[pos] = e.timestampMillis;
        s.lowMarginCount += s.lowMargin[pos];
        s.flipCount += s.flip[pos];
        int last = (int) (s.count % m);
        s.lastVectors = Rings.fit(s.lastVectors, last, m, s.dims);
        s.lastLabels = Rings.fit(s.lastLabels, last, m);
        ServingVectors.store(x, s.lastVectors, last * s.dims);
        s.lastLabels[last] = e.predictedLabel;
        s.count++;
        int n = (int) Math.min(s.count, w);
        if (n < settings.minQueries()) {
            return Optional.empty();
        }
        double lowShare = s.lowMarginCount / (double) n;
        double flipShare = s.flipCount / (double) n;
        double lowExcess = (lowShare - lowMarginFraction) / (1 - lowMarginFraction);
        double flipExcess = (flipShare - flipFraction) / (1 - flipFraction);
        if (lowExcess <= 0 && flipExcess <= 0) {
            return Optional.empty();
        }
        s.alarms++;
        long start = s.count <= w ? s.times[0] : s.times[(int) (s.count % w)];
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("statistic", lowExcess >= flipExcess ? "low_margin_fraction" : "flip_fraction");
        ev.put("low_margin_fraction", lowShare);
        ev.put("low_margin_threshold", lowMarginFraction);
        ev.put("flip_fraction", flipShare);
        ev.put("flip_threshold", flipFraction);
        ev.put("direction", "above");
        ev.put("low_margin", settings.lowMargin());
        ev.put("near_duplicate_radius", settings.nearDuplicateRadius());
        ev.put("window_queries", n);
        ev.put("last_event_id", e.eventId);
        double score = 0.5 + 0.5 * Math.max(lowExcess, flipExcess);
        return Optional.of(new ServingDetection(Detection.of(score, ev), start, e.timestampMillis));
    }
}
