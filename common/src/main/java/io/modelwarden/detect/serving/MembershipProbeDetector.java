package io.modelwarden.detect.serving;

import io.modelwarden.baseline.TrainingFingerprints;
import io.modelwarden.detect.Detection;
import io.modelwarden.detect.poisoning.DuplicateKeys;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.stats.Tails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * S6, membership-inference probe detector (MEMBERSHIP_INFERENCE, id {@code membership_probe}).
 * Key: {@code model_id|client_id}.
 *
 * <p><b>Attack.</b> A membership-inference attacker asks whether candidate records were in the
 * training set: it queries the candidates themselves (confidence-based MIA, Shokri et al. 2017) and,
 * for label-only attacks, many small perturbations of each candidate (Choquette-Choo et al. 2021).
 *
 * <p><b>Signal.</b> (1) Training hits: a query hits when {@link TrainingFingerprints#mightContain} is
 * true for its z-features (the scan's Bloom filter at 0.01 sigma). A client with n queries and h hits
 * is tested one-sided against the benign hit rate p0 = max({@code benign-hit-rate}, the filter's
 * expected false-positive rate): p = P(Bin(n, p0) >= h) = I_{p0}(h, n - h + 1) (regularised incomplete
 * beta, exact in the far tail). Alert when h >= {@code min-hits} and p < {@code max-p-value}; the next
 * alert needs twice the hits. A hit in a cell already among the last {@code recent-hits} hit cells
 * is not counted again, so a client that retries one record (which happens to be a filter false
 * positive) does not inflate h. (2) Perturbation clusters: each query joins the nearest of at most
 * {@code max-centres} centres within {@code cluster-radius} (z-space L2) or opens a new one (evicting
 * the least recently used); exact repeats of the centre do not count as members. Alert once per
 * cluster when it holds {@code cluster-min-queries} queries and any of them hit a training row.
 *
 * <p><b>Limitations.</b> A confidence-based attack needs one query per candidate, so on a small
 * candidate list only the hit-rate test can fire, and only after {@code min-hits} hits; a cluster of
 * perturbations that never queries the training point itself (nor lands in its 0.01-sigma cell) is not
 * tied to the training set and does not alert here (the similarity-cluster rule sees it). The filter
 * misses a near copy across a grid-cell border. Defences against MIA are DP training and output
 * rounding, not detection.
 *
 * <p><b>Cost.</b> O(d * (k + max-centres)) per event (k: the filter's hash count). <b>Memory per
 * key</b> at defaults and d = 8: centres 32 x 8 x 4 B = 1,024 B, per-centre counters 32 x 22 B = 704
 * B, hit ring 64 x 8 B = 512 B, matched ids 20 x ~(40 + id length) B = ~1.2 KiB; about 3.5 KiB (grows
 * with d by 128 B per feature).
 */
public final class MembershipProbeDetector implements ServingDetector<MembershipProbeState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "membership_probe";
    /** Below this z-space distance a query is a repeat of the centre, not a perturbation (centres are floats: ~1e-6 rounding). */
    private static final double REPEAT_DISTANCE = 1e-4;

    private final MembershipProbeSettings settings;
    private final ServingBaseline baseline;
    private final TrainingFingerprints fingerprints;
    private final double p0;

    public MembershipProbeDetector(MembershipProbeSettings settings, ServingBaseline baseline) {
        if (baseline.fingerprints() == null) {
            throw new IllegalArgumentException("membership_probe needs training fingerprints in the baseline of model " + baseline.modelId());
        }
        this.settings = settings;
        this.baseline = baseline;
        this.fingerprints = baseline.fingerprints();
        this.p0 = Math.max(settings.benignHitRate(), fingerprints.expectedFpp());
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.MEMBERSHIP_INFERENCE;
    }

    @Override
    public Class<MembershipProbeState> stateClass() {
        return MembershipProbeState.class;
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    /** The benign hit rate the binomial test uses. */
    public double benignHitRate() {
        return p0;
    }

    @Override
    public MembershipProbeState newState() {
        MembershipProbeState s = new MembershipProbeState();
        int k = settings.maxCentres();
        s.recentHitCells = new long[settings.recentHits()];
        s.matchedIds = new String[settings.maxMatchedIds()];
        s.centres = new float[k * baseline.dimensions()];
        s.centreCounts = new int[k];
        s.centreTouchesTraining = new boolean[k];
        s.centreAlerted = new boolean[k];
        s.centreLastQuery = new long[k];
        s.centreFirstMillis = new long[k];
        s.nextHitAlert = settings.minHits();
        return s;
    }

    @Override
    public Optional<ServingDetection> observe(MembershipProbeState s, InferenceEvent e) {
        if (!ServingFeatures.usable(e, baseline)) {
            return Optional.empty();
        }
        if (s.queries == 0) {
            s.firstMillis = e.timestampMillis;
        }
        s.queries++;
        double[] z = ServingFeatures.z(e, baseline);
        boolean hit = fingerprints.mightContain(z);
        boolean newHit = false;
        if (hit) {
            long cell = DuplicateKeys.nearKey(z, fingerprints.resolution())[0];
            if (!recentlyHit(s, cell)) {
                s.recentHitCells[ServingFeatures.slot(s.hitCells, s.recentHitCells.length)] = cell;
                s.hitCells++;
                s.hits++;
                newHit = true;
                if (s.matchedIds.length > 0) {
                    s.matchedIds[ServingFeatures.slot(s.matchedCount, s.matchedIds.length)] = e.eventId;
                    s.matchedCount++;
                }
            }
        }

        Optional<ServingDetection> cluster = updateClusters(s, z, hit, e);
        if (cluster.isPresent()) {
            return cluster;
        }
        if (newHit && s.hits >= s.nextHitAlert) {
            double p = Tails.binomial(s.hits, s.queries, p0);
            if (p < settings.maxPValue()) {
                s.nextHitAlert = s.hits * 2;
                Map<String, Object> ev = new LinkedHashMap<>();
                ev.put("rule", "training_hit_rate");
                ev.put("hits", s.hits);
                ev.put("queries", s.queries);
                ev.put("hit_rate", (double) s.hits / s.queries);
                ev.put("benign_hit_rate", p0);
                ev.put("p_value", p);
                ev.put("max_p_value", settings.maxPValue());
                ev.put("test", "binomial_one_sided");
                ev.put("matched_event_ids", matchedIds(s));
                double score = 0.5 + 0.5 * Math.min(1.0, Math.log10(settings.maxPValue() / Math.max(p, Double.MIN_NORMAL)) / 4.0);
                return Optional.of(new ServingDetection(Detection.of(score, ev), s.firstMillis, Math.max(s.firstMillis, e.timestampMillis)));
            }
        }
        return Optional.empty();
    }

    private Optional<ServingDetection> updateClusters(MembershipProbeState s, double[] z, boolean hit, InferenceEvent e) {
        int d = z.length;
        int k = s.centreCounts.length;
        double r2 = settings.clusterRadius() * settings.clusterRadius();
        int best = -1;
        double bestD2 = Double.POSITIVE_INFINITY;
        int free = -1;
        int lru = 0;
        for (int c = 0; c < k; c++) {
            if (s.centreCounts[c] == 0) {
                if (free < 0) {
                    free = c;
                }
                continue;
            }
            if (s.centreLastQuery[c] < s.centreLastQuery[lru] || s.centreCounts[lru] == 0) {
                lru = c;
            }
            double d2 = 0;
            int base = c * d;
            for (int j = 0; j < d && d2 <= r2; j++) {
                double diff = z[j] - s.centres[base + j];
                d2 += diff * diff;
            }
            if (d2 <= r2 && d2 < bestD2) {
                bestD2 = d2;
                best = c;
            }
        }
        if (best < 0) {
            int c = free >= 0 ? free : lru;
            for (int j = 0; j < d; j++) {
                s.centres[c * d + j] = (float) z[j];
            }
            s.centreCounts[c] = 1;
            s.centreTouchesTraining[c] = hit;
            s.centreAlerted[c] = false;
            s.centreLastQuery[c] = s.queries;
            s.centreFirstMillis[c] = e.timestampMillis;
            return Optional.empty();
        }
        s.centreLastQuery[best] = s.queries;
        s.centreTouchesTraining[best] |= hit;
        if (Math.sqrt(bestD2) > REPEAT_DISTANCE) {
            s.centreCounts[best]++;
        }
        if (s.centreCounts[best] >= settings.clusterMinQueries() && s.centreTouchesTraining[best] && !s.centreAlerted[best]) {
            s.centreAlerted[best] = true;
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("rule", "perturbation_cluster");
            ev.put("cluster_queries", s.centreCounts[best]);
            ev.put("cluster_min_queries", settings.clusterMinQueries());
            ev.put("cluster_radius", settings.clusterRadius());
            ev.put("touches_training", true);
            ev.put("hits", s.hits);
            ev.put("queries", s.queries);
            ev.put("matched_event_ids", matchedIds(s));
            double score = Math.min(1.0, 0.6 + 0.04 * (s.centreCounts[best] - settings.clusterMinQueries()));
            long start = Math.min(s.centreFirstMillis[best], e.timestampMillis);
            return Optional.of(new ServingDetection(Detection.of(score, ev), start, e.timestampMillis));
        }
        return Optional.empty();
    }

    private static boolean recentlyHit(MembershipProbeState s, long cell) {
        int n = (int) Math.min(s.hitCells, s.recentHitCells.length);
        for (int i = 0; i < n; i++) {
            if (s.recentHitCells[i] == cell) {
                return true;
            }
        }
        return false;
    }

    private static List<String> matchedIds(MembershipProbeState s) {
        List<String> out = new ArrayList<>();
        int n = s.matchedIds.length;
        long from = Math.max(0, s.matchedCount - n);
        for (long i = from; i < s.matchedCount; i++) {
            out.add(s.matchedIds[ServingFeatures.slot(i, n)]);
        }
        return out;
    }
}
