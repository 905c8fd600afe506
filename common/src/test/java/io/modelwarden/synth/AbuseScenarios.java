package io.modelwarden.synth;

import io.modelwarden.baseline.FingerprintSettings;
import io.modelwarden.baseline.TrainingFingerprints;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Hashing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded serving-traffic scenarios for the abuse detectors (DETECTORS.md S2, S6-S9): benign clients
 * and attackers querying one model trained on {@link PoisonedDataset#clean} (the training set is
 * {@code training().row(i)}, i < rows). Every event carries an event time (from {@link #T0}), a
 * client id, a source IP and a deterministic prediction: the nearest class centre in z-space, with
 * softmax(-||z - c_k||^2 / 2) probabilities. Same seed, same events.
 *
 * <p>Natural (benign) queries are fresh draws from the training population ({@link
 * PoisonedDataset#resampled}), never training rows themselves.
 */
public final class AbuseScenarios {
    public static final String MODEL = "m1";
    /** Event time of every scenario's start: 2027-01-15T08:00:00Z. */
    public static final long T0 = 1_800_000_000_000L;
    public static final int ROWS = 5_000;
    public static final int FEATURES = 8;

    private final long seed;
    private final PoisonedDataset train;
    private final PoisonedDataset natural;
    private final ServingBaseline baseline;
    private final Standardizer std;
    private final double[][] centresZ;
    private final String[] labels;
    private long naturalCursor;

    private AbuseScenarios(long seed) {
        this.seed = seed;
        this.train = PoisonedDataset.clean(seed, ROWS, FEATURES);
        this.natural = PoisonedDataset.clean(seed, ROWS, FEATURES).resampled(seed * 7 + 1);
        ScanProfile p = new ScanProfile(train.featureNames(), 16, seed);
        for (long i = 0; i < ROWS; i++) {
            p.add(train.row(i));
        }
        std = p.standardizer();
        // Exact quantiles of the training rows: the scan's KLL sketch compacts at random, and the
        // fixture must give the same baseline every time for same-seed comparisons.
        double[][] columns = new double[FEATURES][ROWS];
        for (int i = 0; i < ROWS; i++) {
            double[] x = train.row(i).features;
            for (int j = 0; j < FEATURES; j++) {
                columns[j][i] = x[j];
            }
        }
        double[][] quantiles = new double[FEATURES][101];
        for (int j = 0; j < FEATURES; j++) {
            Arrays.sort(columns[j]);
            for (int q = 0; q <= 100; q++) {
                quantiles[j][q] = columns[j][(int) Math.round(q / 100.0 * (ROWS - 1))];
            }
        }
        TrainingFingerprints fp = TrainingFingerprints.create(ROWS, FingerprintSettings.defaults());
        Map<String, Long> labelCounts = p.labelCounts();
        labels = labelCounts.keySet().toArray(new String[0]);
        centresZ = new double[labels.length][FEATURES];
        long[] counts = new long[labels.length];
        for (long i = 0; i < ROWS; i++) {
            TrainingRow r = train.row(i);
            double[] z = std.apply(r.features);
            fp.add(z);
            int k = Arrays.asList(labels).indexOf(r.label);
            counts[k]++;
            for (int j = 0; j < FEATURES; j++) {
                centresZ[k][j] += z[j];
            }
        }
        for (int k = 0; k < labels.length; k++) {
            for (int j = 0; j < FEATURES; j++) {
                centresZ[k][j] /= counts[k];
            }
        }
        baseline = new ServingBaseline(MODEL, List.of(train.featureNames()), std, quantiles, fp, labelCounts, Map.of());
    }

    public static AbuseScenarios create(long seed) {
        return new AbuseScenarios(seed);
    }

    public ServingBaseline baseline() {
        return baseline;
    }

    /** The training set: rows 0 .. {@link #ROWS} - 1. */
    public PoisonedDataset training() {
        return train;
    }

    /** A fresh natural query (not a training row). */
    public double[] naturalQuery() {
        return natural.row(naturalCursor++).features;
    }

    // ---- benign ----

    /**
     * {@code clients} benign clients over {@code duration}: each at its own Poisson rate, log-uniform
     * in [0.02, 1] queries per second, natural queries, 5% of them asking for an explanation; three
     * clients share each source IP (a small office NAT).
     */
    public List<InferenceEvent> benignClients(int clients, Duration duration) {
        SplittableRandom r = rng(0xbe9L);
        List<InferenceEvent> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            double qps = Math.exp(Math.log(0.02) + r.nextDouble() * (Math.log(1.0) - Math.log(0.02)));
            String client = "benign-" + c;
            String ip = "10.0." + (c / 3 / 250) + "." + (c / 3 % 250 + 1);
            poisson(out, r, client, ip, qps, T0 + (long) (r.nextDouble() * 60_000), duration, 0.05);
        }
        return sorted(out);
    }

    /** A heavy benign batch scorer: 50 queries per second of natural data, no explanations. */
    public List<InferenceEvent> heavyScorer(Duration duration) {
        List<InferenceEvent> out = new ArrayList<>();
        poisson(out, rng(0x4eaL), "batch-scorer", "10.9.0.1", 50, T0, duration, 0);
        return out;
    }

    /** A client that retries: three natural records, each sent 2-5 times within half a second, one burst every 2-4 s. */
    public List<InferenceEvent> retryingClient(Duration duration) {
        SplittableRandom r = rng(0x4e7L);
        double[][] records = {naturalQuery(), naturalQuery(), naturalQuery()};
        List<InferenceEvent> out = new ArrayList<>();
        long t = T0;
        int n = 0;
        while (t < T0 + duration.toMillis()) {
            double[] x = records[r.nextInt(records.length)];
            int copies = 2 + r.nextInt(4);
            for (int k = 0; k < copies; k++) {
                out.add(event("retry-" + n++, t + k * (50L + r.nextInt(100)), "retrying-client", "10.9.0.2", x, false));
            }
            t += 2_000 + r.nextInt(2_000);
        }
        return sorted(out);
    }

    // ---- attacks ----

    /**
     * Label-only membership probing (Choquette-Choo et al. 2021): for each of {@code targets} training
     * rows, the row itself and then {@code perturbations} copies with N(0, (0.01 sigma)^2) noise on
     * every feature, two queries per second.
     */
    public List<InferenceEvent> membershipProbe(int targets, int perturbations) {
        SplittableRandom r = rng(0x3e3L);
        List<InferenceEvent> out = new ArrayList<>();
        long t = T0;
        int n = 0;
        for (int k = 0; k < targets; k++) {
            double[] x = train.row(r.nextInt(ROWS)).features;
            out.add(event("mia-" + n++, t, "mia-client", "198.51.100.4", x, false));
            t += 500;
            for (int p = 0; p < perturbations; p++) {
                double[] y = x.clone();
                for (int j = 0; j < y.length; j++) {
                    y[j] += r.nextGaussian() * 0.01 * std.std(j);
                }
                out.add(event("mia-" + n++, t, "mia-client", "198.51.100.4", y, false));
                t += 500;
            }
        }
        return out;
    }

    /**
     * Confidence-based membership inference: {@code n} queries, one per second, half of them exact
     * training rows (the candidates that are members) and half natural non-members.
     */
    public List<InferenceEvent> membershipExact(int n) {
        SplittableRandom r = rng(0x3e4L);
        List<InferenceEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = r.nextBoolean() ? train.row(r.nextInt(ROWS)).features : naturalQuery();
            out.add(event("mie-" + i, T0 + i * 1000L, "mie-client", "198.51.100.5", x, false));
        }
        return out;
    }

    /**
     * Fredrikson-style inversion: for each of {@code targets} training rows, hold every feature fixed
     * and sweep feature {@code FEATURES - 2} from its 1st to its 99th baseline percentile in {@code
     * steps} steps, one query per second.
     */
    public List<InferenceEvent> inversionSweep(int targets, int steps) {
        SplittableRandom r = rng(0x1e5L);
        int j = FEATURES - 2;
        double lo = baseline.quantiles(j)[1];
        double hi = baseline.quantiles(j)[99];
        List<InferenceEvent> out = new ArrayList<>();
        int n = 0;
        for (int k = 0; k < targets; k++) {
            double[] x = train.row(r.nextInt(ROWS)).features.clone();
            for (int s = 0; s < steps; s++) {
                x[j] = lo + (hi - lo) * s / (steps - 1);
                out.add(event("inv-" + n, T0 + n * 1000L, "inversion-client", "198.51.100.6", x.clone(), false));
                n++;
            }
        }
        return out;
    }

    /**
     * Confidence hill-climbing towards class {@code labels[last]}: from a natural start, each query is
     * the current point plus N(0, (0.3 sigma)^2) noise per feature; the point moves there when the
     * target probability rises. One query per second.
     */
    public List<InferenceEvent> hillClimb(int queries) {
        SplittableRandom r = rng(0x41cL);
        int target = labels.length - 1;
        double[] current = naturalQuery();
        double best = probabilities(current)[target];
        List<InferenceEvent> out = new ArrayList<>();
        for (int i = 0; i < queries; i++) {
            double[] y = current.clone();
            for (int j = 0; j < y.length; j++) {
                y[j] += r.nextGaussian() * 0.3 * std.std(j);
            }
            out.add(event("hill-" + i, T0 + i * 1000L, "hill-client", "198.51.100.7", y, false));
            double p = probabilities(y)[target];
            if (p > best) {
                best = p;
                current = y;
            }
        }
        return out;
    }

    /** Synthetic extraction queries: every feature uniform over [min, max] of the baseline, 2 per second. */
    public List<InferenceEvent> uniformExtraction(int queries) {
        SplittableRandom r = rng(0x0e4L);
        List<InferenceEvent> out = new ArrayList<>();
        for (int i = 0; i < queries; i++) {
            double[] x = new double[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                double[] q = baseline.quantiles(j);
                x[j] = q[0] + r.nextDouble() * (q[100] - q[0]);
            }
            out.add(event("uni-" + i, T0 + i * 500L, "extract-client", "198.51.100.8", x, false));
        }
        return out;
    }

    /** Explanation abuse: one query per second of natural data, 80% asking for an explanation. */
    public List<InferenceEvent> explanationAbuse(int queries) {
        SplittableRandom r = rng(0xe4bL);
        List<InferenceEvent> out = new ArrayList<>();
        for (int i = 0; i < queries; i++) {
            out.add(event("expl-" + i, T0 + i * 1000L, "explain-client", "198.51.100.9", naturalQuery(), r.nextDouble() < 0.8));
        }
        return out;
    }

    /** A flood: one client on one IP at {@code qps} (Poisson), natural data. */
    public List<InferenceEvent> flood(double qps, Duration duration) {
        List<InferenceEvent> out = new ArrayList<>();
        poisson(out, rng(0xf10L), "flood-client", "203.0.113.66", qps, T0, duration, 0);
        return out;
    }

    /** {@code clients} client ids behind one IP, each at 0.2 queries per second (Sybil split). */
    public List<InferenceEvent> splitAccounts(int clients, Duration duration) {
        SplittableRandom r = rng(0x5b1L);
        List<InferenceEvent> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            poisson(out, r, "sybil-" + c, "203.0.113.7", 0.2, T0 + r.nextInt(5_000), duration, 0);
        }
        return sorted(out);
    }

    /** Events of several scenarios merged in event-time order (ties by event id). */
    @SafeVarargs
    public static List<InferenceEvent> merge(List<InferenceEvent>... parts) {
        List<InferenceEvent> out = new ArrayList<>();
        for (List<InferenceEvent> p : parts) {
            out.addAll(p);
        }
        return sorted(out);
    }

    /** Shifts every event's time by {@code millis} (in place) and returns the list. */
    public static List<InferenceEvent> shift(List<InferenceEvent> events, long millis) {
        for (InferenceEvent e : events) {
            e.timestampMillis += millis;
        }
        return events;
    }

    // ---- events and predictions ----

    public double[] probabilities(double[] x) {
        double[] z = std.apply(x);
        double[] logits = new double[labels.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < labels.length; k++) {
            double d2 = 0;
            for (int j = 0; j < z.length; j++) {
                double diff = z[j] - centresZ[k][j];
                d2 += diff * diff;
            }
            logits[k] = -d2 / 2;
            max = Math.max(max, logits[k]);
        }
        double sum = 0;
        for (int k = 0; k < labels.length; k++) {
            logits[k] = Math.exp(logits[k] - max);
            sum += logits[k];
        }
        for (int k = 0; k < labels.length; k++) {
            logits[k] /= sum;
        }
        return logits;
    }

    public InferenceEvent event(String id, long t, String client, String ip, double[] x, boolean explanation) {
        InferenceEvent e = new InferenceEvent();
        e.eventId = id;
        e.timestampMillis = t;
        e.modelId = MODEL;
        e.clientId = client;
        e.sourceIp = ip;
        e.features = x;
        e.explanationRequested = explanation;
        if (x == null || x.length != FEATURES || Arrays.stream(x).anyMatch(v -> !Double.isFinite(v))) {
            return e; // a malformed payload gets no prediction
        }
        double[] p = probabilities(x);
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        e.probabilities = p;
        e.predictedLabel = labels[best];
        e.confidence = p[best];
        return e;
    }

    private void poisson(List<InferenceEvent> out, SplittableRandom r, String client, String ip, double qps, long start, Duration d,
            double explanationRate) {
        long end = T0 + d.toMillis();
        double t = start;
        int n = 0;
        while (true) {
            t += -Math.log(1 - r.nextDouble()) / qps * 1000.0;
            if (t >= end) {
                return;
            }
            out.add(event(client + "-" + n++, (long) t, client, ip, naturalQuery(), r.nextDouble() < explanationRate));
        }
    }

    private SplittableRandom rng(long salt) {
        return new SplittableRandom(Hashing.mix64(seed * 0x9E3779B97F4A7C15L ^ salt));
    }

    private static List<InferenceEvent> sorted(List<InferenceEvent> events) {
        events.sort(Comparator.comparingLong((InferenceEvent e) -> e.timestampMillis).thenComparing(e -> e.eventId));
        return events;
    }
}
