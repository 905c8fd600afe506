package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * S8, explanation-API abuse (EXPLAINABILITY_ABUSE, id {@code explanation_abuse}). Key: {@code
 * model_id|client_id}.
 *
 * <p><b>Attack.</b> Gradient and counterfactual explanations leak far more about the model per query
 * than a label or a probability: Milli et al. 2019 ("Model Reconstruction from Model Explanations")
 * reconstruct a model from a handful of gradients; Aivodji et al. 2020 extract models from
 * counterfactual explanations. An attacker therefore asks for an explanation with most queries.
 *
 * <p><b>Signal.</b> Per client, in a sliding event-time window of {@code window-minutes} one-minute
 * buckets: n queries and e explanation requests. Alert when r = e / n exceeds {@code max-ratio} with n
 * >= {@code min-queries}, or when e exceeds {@code max-per-window}. One alert per episode: the rule
 * re-arms when neither condition holds. Events older than the window (late beyond it) are ignored.
 *
 * <p><b>Not here.</b> DETECTORS.md also alerts when e exceeds the population p99 of clients. That
 * needs state across keys (a per-model keyed quantile sketch of per-client window counts, fed by this
 * detector's counts and broadcast or joined back); this class provides the per-key part, and {@link
 * #explanationsInWindow} exposes the count such an operator would aggregate. Escalating severity when
 * explanation requests coincide with near-duplicate or sweep alerts belongs to alert assembly.
 *
 * <p><b>Cost.</b> O(1) per event (amortised O(window-minutes) when minutes are skipped).
 * <b>Memory per key</b> at defaults: 2 x 10 x 4 B buckets + 25 B fields, about 110 B.
 */
public final class ExplanationAbuseDetector implements ServingDetector<ExplanationAbuseState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "explanation_abuse";
    private static final long MINUTE_MILLIS = 60_000L;

    private final ExplanationAbuseSettings settings;

    public ExplanationAbuseDetector(ExplanationAbuseSettings settings) {
        this.settings = settings;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.EXPLAINABILITY_ABUSE;
    }

    @Override
    public Class<ExplanationAbuseState> stateClass() {
        return ExplanationAbuseState.class;
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    @Override
    public ExplanationAbuseState newState() {
        ExplanationAbuseState s = new ExplanationAbuseState();
        s.queries = new int[settings.windowMinutes()];
        s.explanations = new int[settings.windowMinutes()];
        return s;
    }

    /** Explanation requests in the key's current window (for a cross-key population quantile). */
    public static long explanationsInWindow(ExplanationAbuseState s) {
        return s.windowExplanations;
    }

    @Override
    public Optional<ServingDetection> observe(ExplanationAbuseState s, InferenceEvent e) {
        int w = settings.windowMinutes();
        long minute = Math.floorDiv(e.timestampMillis, MINUTE_MILLIS);
        if (s.newestMinute == Long.MIN_VALUE) {
            s.newestMinute = minute;
        }
        if (minute > s.newestMinute) {
            long steps = Math.min(w, minute - s.newestMinute);
            for (long m = minute - steps + 1; m <= minute; m++) {
                int b = (int) Math.floorMod(m, (long) w);
                s.windowQueries -= s.queries[b];
                s.windowExplanations -= s.explanations[b];
                s.queries[b] = 0;
                s.explanations[b] = 0;
            }
            s.newestMinute = minute;
        } else if (minute <= s.newestMinute - w) {
            return Optional.empty(); // older than the window
        }
        int b = (int) Math.floorMod(minute, (long) w);
        s.queries[b]++;
        s.windowQueries++;
        if (e.explanationRequested) {
            s.explanations[b]++;
            s.windowExplanations++;
        }
        double ratio = (double) s.windowExplanations / s.windowQueries;
        boolean ratioHigh = s.windowQueries >= settings.minQueries() && ratio > settings.maxRatio();
        boolean countHigh = s.windowExplanations > settings.maxPerWindow();
        if (!ratioHigh && !countHigh) {
            s.alerting = false;
            return Optional.empty();
        }
        if (s.alerting) {
            return Optional.empty();
        }
        s.alerting = true;
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rule", ratioHigh ? "explanation_ratio" : "explanation_count");
        ev.put("explanations", s.windowExplanations);
        ev.put("queries", s.windowQueries);
        ev.put("ratio", ratio);
        ev.put("max_ratio", settings.maxRatio());
        ev.put("min_queries", settings.minQueries());
        ev.put("max_per_window", settings.maxPerWindow());
        ev.put("window_minutes", w);
        ev.put("last_event_id", e.eventId);
        double score = ratioHigh
                ? 0.5 + 0.5 * (ratio - settings.maxRatio()) / (1 - settings.maxRatio())
                : 0.5 + 0.5 * Math.min(1.0, (double) s.windowExplanations / settings.maxPerWindow() - 1.0);
        long start = (s.newestMinute - w + 1) * MINUTE_MILLIS;
        return Optional.of(new ServingDetection(Detection.of(score, ev), Math.min(start, e.timestampMillis), Math.max(start, e.timestampMillis)));
    }
}
