package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * S9, denial of service and cost harvesting (DENIAL_OF_SERVICE, id {@code rate_limit}). The monitor
 * runs it twice: keyed by {@code model_id|client_id} and, separately, by {@code model_id|source_ip}.
 *
 * <p><b>Attack.</b> Flooding the serving endpoint (MITRE ATLAS AML.T0029 denial of ML service) or
 * running up the owner's cost (AML.T0034 cost harvesting); sponge examples (Shumailov et al. 2021)
 * that raise per-query energy, for which malformed or extreme payloads are the tabular proxy.
 *
 * <p><b>Signal.</b> Sliding event-time counts over 1 s and 60 s (60 one-second buckets). The 60 s
 * threshold is {@code static-limit-per-minute} until the key has {@code warmup-minutes} completed
 * minutes of history, then max(static limit, min(mu + {@code sigmas} x max(sigma, sqrt(mu)), {@code
 * max-learned-per-minute})), where mu and sigma^2 are the EWMA ({@code ewma-alpha}) of the key's
 * completed per-minute counts (minutes counted from the key's first event, so the first is not
 * partial; idle minutes count as zero). The Poisson floor sqrt(mu) keeps a very regular key from a
 * hair-trigger. The 1 s threshold is max({@code static-limit-per-second}, {@code burst-factor} x the 60
 * s threshold / 60). One rate alert per episode; it re-arms when both counts are back under their
 * thresholds. Payload anomalies (with a baseline: a vector of the wrong length, NaN or infinite
 * values, a z-space norm above {@code max-z-norm}) alert at most once per event-time minute. One
 * detection per event; the rate rule wins when both fire.
 *
 * <p><b>Warm-up (a choice).</b> A key that appears while the monitor is running is judged by the
 * static limit until it has history (the guide's rule: a new IP sending 300/min alerts at its 201st
 * query), so a legitimate heavy client that starts while the monitor watches (a 50 qps batch scorer:
 * 3,000/min) raises one alert in its first minute, after which its own history (all minutes are folded
 * in, including alerting ones) lifts its threshold to about 3,300/min by the end of warm-up and it
 * stays quiet. We accept that one alert rather than exempt new keys: a flood from a new IP looks
 * exactly like a new heavy client for its first minutes; known heavy clients go into {@code trusted}.
 * A key first seen within {@code warmup-minutes} of the monitor's own first event (a fresh start, or
 * a restore, see {@link #newState(long, long)}) is different: it was most likely active before the
 * monitor started, so the absence of history says nothing about it. Until its own history is warm it
 * is judged by the flood cap {@code max-learned-per-minute} (60 s) and the static 1 s limit, after
 * which the static limit is again the floor under its learned threshold: a steady 50 qps client is
 * then quiet from the start, while a flood (1 s count over {@code static-limit-per-second}, or a 60 s
 * count over the cap) still alerts at once. The cap {@code max-learned-per-minute} bounds what
 * history can excuse (a 1,000 qps flood always alerts); below the cap a key that keeps a moderate
 * abusive rate for warm-up is learned as normal (the self-baseline weakness; the static limit still
 * catches a new key at its first minute). The model-wide p99.9 of DETECTORS.md needs cross-key state
 * and is left to the Flink job. Known heavy clients should be given a long idle timeout (default 24 h)
 * so their history survives pauses; state survives job upgrades through savepoints. Late events older
 * than 60 s do not enter the sliding counts; late events still count toward the current minute.
 *
 * <p><b>Cost.</b> O(1) per event (O(d) for the payload check; at most 60 bucket clears, and at most
 * 1,440 zero minutes folded after a long gap). <b>Memory per key</b>: 60 x 4 B buckets + ~80 B
 * fields, about 320 B.
 */
public final class RateDetector implements ServingDetector<RateState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "rate_limit";
    private static final int SECONDS = 60;
    private static final long MINUTE_MILLIS = 60_000L;
    /** Longest idle gap folded minute by minute; beyond it the EWMA has decayed to ~0 anyway. */
    private static final long MAX_FOLDED_GAP = 1440;

    private final RateSettings settings;
    private final ServingBaseline baseline;
    private final boolean payloadChecks;

    /**
     * @param baseline the model's baseline for payload checks; null checks only non-finite values
     */
    public RateDetector(RateSettings settings, ServingBaseline baseline) {
        this(settings, baseline, true);
    }

    private RateDetector(RateSettings settings, ServingBaseline baseline, boolean payloadChecks) {
        this.settings = settings;
        this.baseline = baseline;
        this.payloadChecks = payloadChecks;
    }

    /**
     * The rate rules alone, for the per-IP instance: payloads are the client detectors' business
     * (the IP key sees events without their features).
     */
    public static RateDetector ratesOnly(RateSettings settings) {
        return new RateDetector(settings, null, false);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.DENIAL_OF_SERVICE;
    }

    @Override
    public Class<RateState> stateClass() {
        return RateState.class;
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    @Override
    public RateState newState() {
        RateState s = new RateState();
        s.secondCounts = new int[SECONDS];
        return s;
    }

    @Override
    public RateState newState(long firstMillis, long monitorStartMillis) {
        RateState s = newState();
        s.predatesMonitor = firstMillis - monitorStartMillis < settings.warmupMinutes() * MINUTE_MILLIS;
        return s;
    }

    /** The 60 s threshold the key's state implies now. */
    public double threshold60(RateState s) {
        return threshold60(s, false);
    }

    /** The 60 s threshold; for a trusted heavy client the flood cap replaces the static limit. */
    public double threshold60(RateState s, boolean trusted) {
        boolean warm = s.historyMinutes >= settings.warmupMinutes();
        double t = trusted || (s.predatesMonitor && !warm) ? settings.maxLearnedPerMinute() : settings.staticLimitPerMinute();
        if (warm) {
            double sigma = Math.max(Math.sqrt(Math.max(0, s.ewmaVariance)), Math.sqrt(Math.max(0, s.ewmaMean)));
            double learned = Math.min(s.ewmaMean + settings.sigmas() * sigma, settings.maxLearnedPerMinute());
            t = Math.max(t, learned);
        }
        return t;
    }

    public double threshold1(RateState s) {
        return threshold1(s, false);
    }

    public double threshold1(RateState s, boolean trusted) {
        // A key that predates the monitor has no known per-minute rate yet: its bursts are judged by
        // the static limits, not by the flood cap it is granted per minute.
        double base = s.predatesMonitor && !trusted && s.historyMinutes < settings.warmupMinutes() ? settings.staticLimitPerMinute() : threshold60(s, trusted);
        return Math.max(settings.staticLimitPerSecond(), settings.burstFactor() * base / SECONDS);
    }

    @Override
    public Optional<ServingDetection> observe(RateState s, InferenceEvent e) {
        long t = e.timestampMillis;
        if (s.newestSecond == Long.MIN_VALUE) {
            s.firstMillis = t;
            s.newestSecond = Math.floorDiv(t, 1000L);
        }
        foldMinutes(s, Math.max(0, Math.floorDiv(t - s.firstMillis, MINUTE_MILLIS)));
        s.minuteCount++;

        long sec = Math.floorDiv(t, 1000L);
        if (sec > s.newestSecond) {
            long steps = Math.min(SECONDS, sec - s.newestSecond);
            for (long x = sec - steps + 1; x <= sec; x++) {
                int b = (int) Math.floorMod(x, (long) SECONDS);
                s.count60 -= s.secondCounts[b];
                s.secondCounts[b] = 0;
            }
            s.newestSecond = sec;
        }
        if (sec > s.newestSecond - SECONDS) {
            s.secondCounts[(int) Math.floorMod(sec, (long) SECONDS)]++;
            s.count60++;
        }
        long count1 = s.secondCounts[(int) Math.floorMod(s.newestSecond, (long) SECONDS)];
        boolean trusted = settings.isTrusted(e);
        double thr60 = threshold60(s, trusted);
        double thr1 = threshold1(s, trusted);
        boolean rateHigh = s.count60 > thr60;
        boolean burstHigh = count1 > thr1;
        if (rateHigh || burstHigh) {
            if (!s.rateAlerting) {
                s.rateAlerting = true;
                Map<String, Object> ev = new LinkedHashMap<>();
                ev.put("rule", rateHigh ? "rate_60s" : "rate_1s");
                ev.put("count_1s", count1);
                ev.put("count_60s", s.count60);
                ev.put("threshold_1s", thr1);
                ev.put("threshold_60s", thr60);
                ev.put("static_limit_per_minute", settings.staticLimitPerMinute());
                ev.put("static_limit_per_second", settings.staticLimitPerSecond());
                ev.put("ewma_mean_per_minute", s.ewmaMean);
                ev.put("ewma_std_per_minute", Math.sqrt(Math.max(0, s.ewmaVariance)));
                ev.put("history_minutes", s.historyMinutes);
                ev.put("warmed_up", s.historyMinutes >= settings.warmupMinutes());
                ev.put("trusted", trusted);
                ev.put("predates_monitor", s.predatesMonitor);
                ev.put("last_event_id", e.eventId);
                double ratio = rateHigh ? s.count60 / thr60 : count1 / thr1;
                double score = 0.5 + 0.5 * Math.min(1.0, ratio - 1.0);
                long start = rateHigh ? (s.newestSecond - SECONDS + 1) * 1000L : s.newestSecond * 1000L;
                return Optional.of(new ServingDetection(Detection.of(score, ev), Math.min(start, t), Math.max(start, t)));
            }
        } else {
            s.rateAlerting = false;
        }
        String anomaly = payloadChecks ? payloadAnomaly(e) : null;
        if (anomaly != null) {
            s.payloadAnomalies++;
            long minute = Math.floorDiv(t, MINUTE_MILLIS);
            if (minute != s.lastPayloadAlertMinute) {
                s.lastPayloadAlertMinute = minute;
                Map<String, Object> ev = new LinkedHashMap<>();
                ev.put("rule", "payload");
                ev.put("anomaly", anomaly);
                ev.put("feature_count", e.features == null ? 0 : e.features.length);
                ev.put("expected_feature_count", baseline == null ? null : baseline.dimensions());
                ev.put("max_z_norm", settings.maxZNorm());
                ev.put("payload_anomalies", s.payloadAnomalies);
                ev.put("event_id", e.eventId);
                return Optional.of(new ServingDetection(Detection.of(0.7, ev), t, t));
            }
        }
        return Optional.empty();
    }

    private void foldMinutes(RateState s, long minute) {
        if (minute <= s.minuteIndex) {
            return; // same minute, or a late event: it counts toward the current minute
        }
        fold(s, s.minuteCount);
        long gap = Math.min(minute - s.minuteIndex - 1, MAX_FOLDED_GAP);
        for (long i = 0; i < gap; i++) {
            fold(s, 0);
        }
        s.minuteIndex = minute;
        s.minuteCount = 0;
    }

    private void fold(RateState s, long count) {
        if (s.historyMinutes == 0) {
            s.ewmaMean = count;
            s.ewmaVariance = 0;
        } else {
            double a = settings.ewmaAlpha();
            double delta = count - s.ewmaMean;
            s.ewmaMean += a * delta;
            s.ewmaVariance = (1 - a) * (s.ewmaVariance + a * delta * delta);
        }
        s.historyMinutes++;
    }

    /** The payload anomaly of the event, or null. */
    String payloadAnomaly(InferenceEvent e) {
        double[] x = e.features;
        if (x == null) {
            return "missing_features";
        }
        if (baseline != null && x.length != baseline.dimensions()) {
            return "feature_count";
        }
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return "non_finite";
            }
        }
        if (baseline != null) {
            double norm = Math.sqrt(ServingFeatures.zSquaredNorm(e, baseline));
            if (norm > settings.maxZNorm()) {
                return "extreme_norm";
            }
        }
        return null;
    }
}
