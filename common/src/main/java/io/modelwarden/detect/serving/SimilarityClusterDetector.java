package io.modelwarden.detect.serving;

import io.modelwarden.detect.ColumnDistances;
import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The threat-modeling guide's similarity-cluster rule (ADVERSARIAL, id {@code similarity_cluster}):
 * a burst of mutually similar queries from one key. Key: {@code model_id|client_id} or {@code
 * model_id|source_ip}.
 *
 * <p><b>Attack.</b> Query-based adversarial search (HopSkipJump, boundary and hill-climbing attacks)
 * and perturbation-based probing send many small variations of one input; Chen, Carlini and Wagner
 * 2020 (stateful detection) and Li et al. 2022 (Blacklight) detect such bursts by similarity to
 * recent queries.
 *
 * <p><b>Signal.</b> Each query's z-vector (baseline standardiser, so the origin is the training
 * mean) is compared with the key's last {@code window} queries; it is similar to one of them when the
 * cosine exceeds {@code min-cosine} and the L2 distance is at least {@code min-distance} (exact or
 * near-exact repeats are retries, not probes: a query closer than that to one still in the window is
 * neither counted nor stored, so a client re-sending a few records does not fill its window with
 * copies that each count again). Alert when more than {@code
 * max-similar} recent queries are similar to the new one; one alert per episode, re-armed when the
 * count falls back. Evidence lists the similar queries' event ids.
 *
 * <p><b>Limitations.</b> Cosine ignores magnitude, so queries along one ray from the training mean
 * are similar however far apart; a benign client concentrated in one cluster far from the mean can
 * reach high cosines (calibrate {@code max-similar} on benign traffic). A slow attacker interleaving
 * more than {@code window - max-similar} unrelated queries between probes is missed (the stateful kNN
 * detector keeps a longer memory).
 *
 * <p><b>Cost.</b> O(W * d) per event. <b>Memory per key</b> at defaults and d = 8: 50 x (8 x 4 + 4 +
 * 8) B = 2,200 B of vectors, norms and times, plus 50 event ids (~50 x 50 B = 2.5 KiB): about 4.7 KiB.
 */
public final class SimilarityClusterDetector implements ServingDetector<SimilarityClusterState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "similarity_cluster";

    private static final ColumnDistances DISTANCES = ColumnDistances.get();

    private final SimilarityClusterSettings settings;
    private final ServingBaseline baseline;
    /** Scratch of {@link #observe} (dot products, squared distances, a widened column), reused: a detector instance is single-threaded. */
    private transient double[] dots;
    private transient double[] distancesSq;
    private transient double[] widened;

    public SimilarityClusterDetector(SimilarityClusterSettings settings, ServingBaseline baseline) {
        this.settings = settings;
        this.baseline = baseline;
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
    public Class<SimilarityClusterState> stateClass() {
        return SimilarityClusterState.class;
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    @Override
    public SimilarityClusterState newState() {
        int w = settings.window();
        SimilarityClusterState s = new SimilarityClusterState();
        // Without a baseline the width is the client's first usable vector's (see observe).
        s.columns = baseline == null ? new float[0] : new float[w * baseline.dimensions()];
        s.norms = new float[w];
        s.eventIds = new String[w];
        s.times = new long[w];
        return s;
    }

    @Override
    public Optional<ServingDetection> observe(SimilarityClusterState s, InferenceEvent e) {
        int w = settings.window();
        if (s.vectors != null && s.vectors.length > 0) {
            s.columns = Rings.columnMajor(s.vectors, 1, s.vectors.length / w);
            s.vectors = null;
        }
        int expected = baseline != null ? baseline.dimensions() : s.columns.length / w;
        if (!ServingVectors.usable(e, expected)) {
            return Optional.empty();
        }
        if (s.columns.length == 0) {
            s.columns = new float[w * e.features.length];
        }
        // With a baseline: the event's cached z-vector and norm (shared by the detectors); without one,
        // the raw vector (read only here).
        double[] z = baseline != null ? ServingFeatures.z(e, baseline) : e.features;
        int d = z.length;
        double norm = Math.sqrt(baseline != null ? ServingFeatures.zSquaredNorm(e, baseline) : ServingFeatures.squaredNorm(z));
        int filled = (int) Math.min(s.queries, w);
        double minD2 = settings.minDistance() * settings.minDistance();
        int similar = 0;
        long earliest = e.timestampMillis;
        long similarMask0 = 0; // which slots were similar, for the evidence (window <= 1000: recomputed below if needed)
        if (dots == null || dots.length != w) {
            dots = new double[w];
            distancesSq = new double[w];
            widened = new double[w];
        }
        DISTANCES.dotsAndDistancesSq(z, s.columns, w, filled, dots, distancesSq, widened);
        for (int i = 0; i < filled; i++) {
            double dot = dots[i];
            double d2 = distancesSq[i];
            if (d2 < minD2) {
                // A re-send of a query still in the window (a retry): it shows nothing new, and kept it
                // would make every copy count again as similar to the client's other records.
                return Optional.empty();
            }
            double denom = norm * s.norms[i];
            if (denom > 0 && dot / denom > settings.minCosine()) {
                similar++;
                earliest = Math.min(earliest, s.times[i]);
                if (i < 64) {
                    similarMask0 |= 1L << i;
                }
            }
        }
        Optional<ServingDetection> out = Optional.empty();
        if (similar > settings.maxSimilar()) {
            if (!s.alerting) {
                s.alerting = true;
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < filled; i++) {
                    boolean hit = i < 64 ? (similarMask0 & (1L << i)) != 0 : isSimilar(s, i, z, norm, d, minD2);
                    if (hit) {
                        ids.add(s.eventIds[i]);
                    }
                }
                Map<String, Object> ev = new LinkedHashMap<>();
                ev.put("similar_queries", similar);
                ev.put("max_similar", settings.maxSimilar());
                ev.put("min_cosine", settings.minCosine());
                ev.put("min_distance", settings.minDistance());
                ev.put("window_queries", filled);
                ev.put("similar_event_ids", ids);
                ev.put("event_id", e.eventId);
                double score = 0.5 + 0.5 * Math.min(1.0, (double) (similar - settings.maxSimilar()) / (w - settings.maxSimilar()) * 2);
                out = Optional.of(new ServingDetection(Detection.of(score, ev), earliest, e.timestampMillis));
            }
        } else {
            s.alerting = false;
        }
        int slot = ServingFeatures.slot(s.queries, w);
        for (int j = 0; j < d; j++) {
            s.columns[j * w + slot] = (float) z[j];
        }
        s.norms[slot] = (float) norm;
        s.eventIds[slot] = e.eventId;
        s.times[slot] = e.timestampMillis;
        s.queries++;
        return out;
    }

    private boolean isSimilar(SimilarityClusterState s, int i, double[] z, double norm, int d, double minD2) {
        double dot = 0;
        double d2 = 0;
        int w = settings.window();
        for (int j = 0; j < d; j++) {
            double v = s.columns[j * w + i];
            dot += v * z[j];
            double diff = v - z[j];
            d2 += diff * diff;
        }
        double denom = norm * s.norms[i];
        return denom > 0 && dot / denom > settings.minCosine() && d2 >= minD2;
    }
}
