package io.modelwarden.synth;

import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.TrainingRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded serving-traffic scenarios for the streaming detectors. The "training distribution" is a clean
 * {@link PoisonedDataset} (three classes, two Gaussian clusters each); the served "model" is a
 * deterministic nearest-class-centre classifier in the baseline's z-space with softmax probabilities
 * p_c ~ exp(-beta ||z - mu_c||^2 / 2), so events carry realistic labels, confidences and margins.
 *
 * <p>Every generator takes its own seed (same seed, same events) and returns events in event-time
 * order with ids {@code <client>-<n>}. Benign: natural in-distribution queries at a given rate, a heavy
 * 50 qps batch scorer, a client that retries the same few records. Attacks: JBDA-like synthetic
 * extraction, uniform random probing, a HopSkipJump-like decision-based attack, and Blacklight-style
 * near-duplicate iterations of a score-based attack.
 */
public final class TrafficScenarios {
    public static final String MODEL_ID = "credit-v1";
    public static final long START_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    public static final double BETA = 1.0;

    private final PoisonedDataset data;
    private final int features;
    private final Standardizer standardizer;
    private final double[][] quantiles;
    private final double[][] classCentres; // z-space
    private final String[] labels;
    private final Map<String, Long> labelCounts = new HashMap<>();
    private final List<double[]> zTraining = new ArrayList<>();

    /** A model trained on {@code trainingRows} clean rows of {@code features} dimensions from {@code seed}. */
    public TrafficScenarios(long seed, int features, int trainingRows) {
        this.data = PoisonedDataset.clean(seed, trainingRows, features);
        this.features = features;
        List<TrainingRow> rows = data.all();
        double[] mean = new double[features];
        double[] sq = new double[features];
        for (TrainingRow r : rows) {
            for (int j = 0; j < features; j++) {
                mean[j] += r.features[j];
                sq[j] += r.features[j] * r.features[j];
            }
            labelCounts.merge(r.label, 1L, Long::sum);
        }
        double[] std = new double[features];
        for (int j = 0; j < features; j++) {
            mean[j] /= rows.size();
            std[j] = Math.sqrt(Math.max(1e-12, sq[j] / rows.size() - mean[j] * mean[j]));
        }
        standardizer = new Standardizer(mean, std);
        quantiles = new double[features][101];
        double[] col = new double[rows.size()];
        for (int j = 0; j < features; j++) {
            for (int i = 0; i < rows.size(); i++) {
                col[i] = rows.get(i).features[j];
            }
            Arrays.sort(col);
            for (int q = 0; q <= 100; q++) {
                quantiles[j][q] = col[(int) Math.round(q / 100.0 * (col.length - 1))];
            }
        }
        labels = labelCounts.keySet().stream().sorted().toArray(String[]::new);
        classCentres = new double[labels.length][features];
        long[] n = new long[labels.length];
        for (TrainingRow r : rows) {
            int c = Arrays.asList(labels).indexOf(r.label);
            double[] z = standardizer.apply(r.features);
            zTraining.add(z);
            n[c]++;
            for (int j = 0; j < features; j++) {
                classCentres[c][j] += z[j];
            }
        }
        for (int c = 0; c < labels.length; c++) {
            for (int j = 0; j < features; j++) {
                classCentres[c][j] /= n[c];
            }
        }
    }

    /** The default world: seed 11, 8 features, 5,000 training rows. */
    public static TrafficScenarios standard() {
        return new TrafficScenarios(11, 8, 5_000);
    }

    public int features() {
        return features;
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    /** z-encoded training rows (trusted sample for calibration). */
    public List<double[]> zTraining() {
        return zTraining;
    }

    /** The model's baseline, with the given per-detector thresholds (e.g. {@code stateful_knn.tau}). */
    public ServingBaseline baseline(Map<String, Map<String, Object>> detectors) {
        List<String> order = Arrays.asList(data.featureNames());
        return new ServingBaseline(MODEL_ID, order, standardizer, quantiles, null, labelCounts, detectors);
    }

    public ServingBaseline baseline() {
        return baseline(Map.of());
    }

    // ---- the model ----

    /** Predicted label index and probabilities of raw features x. */
    public double[] probabilities(double[] x) {
        double[] z = standardizer.apply(x);
        double[] logits = new double[labels.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < labels.length; c++) {
            double d2 = 0;
            for (int j = 0; j < features; j++) {
                double d = z[j] - classCentres[c][j];
                d2 += d * d;
            }
            logits[c] = -BETA * d2 / 2;
            max = Math.max(max, logits[c]);
        }
        double sum = 0;
        for (int c = 0; c < logits.length; c++) {
            logits[c] = Math.exp(logits[c] - max);
            sum += logits[c];
        }
        for (int c = 0; c < logits.length; c++) {
            logits[c] /= sum;
        }
        return logits;
    }

    public String predict(double[] x) {
        return labels[argmax(probabilities(x))];
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    /** An event for raw features x, answered by the model. */
    public InferenceEvent event(String client, int n, long time, double[] x) {
        InferenceEvent e = new InferenceEvent();
        e.eventId = client + "-" + n;
        e.timestampMillis = time;
        e.modelId = MODEL_ID;
        e.clientId = client;
        e.sourceIp = "10.0." + Math.floorMod(client.hashCode(), 250) + ".1";
        e.features = x.clone();
        e.probabilities = probabilities(x);
        int c = argmax(e.probabilities);
        e.predictedLabel = labels[c];
        e.confidence = e.probabilities[c];
        return e;
    }

    private double[] raw(double[] z) {
        double[] x = new double[features];
        for (int j = 0; j < features; j++) {
            x[j] = z[j] * standardizer.std(j) + standardizer.mean(j);
        }
        return x;
    }

    private static long gap(SplittableRandom r, double qps) {
        return Math.max(1, Math.round(-Math.log(1 - r.nextDouble()) / qps * 1000));
    }

    // ---- benign ----

    /** Natural in-distribution queries (fresh rows of the training distribution) at {@code qps}. */
    public List<InferenceEvent> benign(String client, int queries, double qps, long seed) {
        PoisonedDataset rows = data.resampled(seed);
        SplittableRandom r = new SplittableRandom(seed);
        List<InferenceEvent> out = new ArrayList<>(queries);
        long t = START_MILLIS + r.nextInt(3_600_000);
        for (int i = 0; i < queries; i++) {
            t += gap(r, qps);
            out.add(event(client, i, t, rows.row(r.nextLong(1L << 40)).features));
        }
        return out;
    }

    /** {@code clients} benign clients with 50..{@code maxQueries} queries each at 0.05..2 qps. */
    public List<List<InferenceEvent>> benignPopulation(int clients, int maxQueries, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<List<InferenceEvent>> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            int n = 50 + r.nextInt(Math.max(1, maxQueries - 49));
            double qps = 0.05 + 1.95 * r.nextDouble();
            out.add(benign("benign-" + c, n, qps, r.nextLong()));
        }
        return out;
    }

    /** A heavy benign batch-scoring client: natural rows at 50 qps. */
    public List<InferenceEvent> batchScorer(String client, int queries, long seed) {
        return benign(client, queries, 50.0, seed);
    }

    /**
     * A benign client that retries: it works on a small set of 5 records, and each query either takes a
     * fresh natural record (probability 0.3, replacing its oldest) or re-sends one of the 5 unchanged
     * (a retry after a timeout, a re-scored record).
     */
    public List<InferenceEvent> retrying(String client, int queries, long seed) {
        PoisonedDataset rows = data.resampled(seed);
        SplittableRandom r = new SplittableRandom(seed);
        double[][] working = new double[5][];
        int next = 0;
        for (int i = 0; i < working.length; i++) {
            working[i] = rows.row(r.nextLong(1L << 40)).features;
        }
        List<InferenceEvent> out = new ArrayList<>(queries);
        long t = START_MILLIS;
        for (int i = 0; i < queries; i++) {
            t += gap(r, 2.0);
            double[] x;
            if (r.nextDouble() < 0.3) {
                x = rows.row(r.nextLong(1L << 40)).features;
                working[next] = x;
                next = (next + 1) % working.length;
            } else {
                x = working[r.nextInt(working.length)];
            }
            out.add(event(client, i, t, x));
        }
        return out;
    }

    // ---- attacks ----

    /**
     * JBDA-like synthetic extraction (Papernot et al. 2017): 10 natural seed rows, then augmentation
     * rounds x' = x + lambda sign(J) in z-space, with the substitute's Jacobian approximated by the
     * direction from x's predicted class centre to another class centre; lambda = 0.3 and its sign
     * alternates every round. 5 qps.
     */
    public List<InferenceEvent> jbdaExtraction(String client, int queries, long seed) {
        PoisonedDataset rows = data.resampled(seed);
        SplittableRandom r = new SplittableRandom(seed);
        List<double[]> set = new ArrayList<>();
        List<InferenceEvent> out = new ArrayList<>(queries);
        long t = START_MILLIS;
        for (int i = 0; i < 10 && out.size() < queries; i++) {
            double[] z = standardizer.apply(rows.row(r.nextLong(1L << 40)).features);
            set.add(z);
            t += gap(r, 5);
            out.add(event(client, out.size(), t, raw(z)));
        }
        double lambda = 0.3;
        for (int round = 0; out.size() < queries; round++) {
            double sign = round % 2 == 0 ? 1 : -1;
            List<double[]> added = new ArrayList<>();
            for (double[] z : set) {
                if (out.size() >= queries) {
                    break;
                }
                int c = argmax(probabilities(raw(z)));
                int other = (c + 1 + r.nextInt(labels.length - 1)) % labels.length;
                double[] nz = z.clone();
                for (int j = 0; j < features; j++) {
                    nz[j] += sign * lambda * Math.signum(classCentres[other][j] - classCentres[c][j]);
                }
                added.add(nz);
                t += gap(r, 5);
                out.add(event(client, out.size(), t, raw(nz)));
            }
            set.addAll(added);
        }
        return out;
    }

    /** Uniform random probing of the box [mean - 3 std, mean + 3 std] of every feature, 5 qps. */
    public List<InferenceEvent> uniformExtraction(String client, int queries, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<InferenceEvent> out = new ArrayList<>(queries);
        long t = START_MILLIS;
        for (int i = 0; i < queries; i++) {
            double[] z = new double[features];
            for (int j = 0; j < features; j++) {
                z[j] = (r.nextDouble() * 2 - 1) * 3;
            }
            t += gap(r, 5);
            out.add(event(client, i, t, raw(z)));
        }
        return out;
    }

    /**
     * HopSkipJump-like decision-based attack (Chen, Jordan, Wainwright 2020), label-only: start from a
     * natural target x0 (class a) and a natural starting point of another class; repeat: binary search
     * on the segment x0 -> x_adv for the boundary (8 queries), estimate the boundary normal from 12
     * random perturbations of size 0.05 around the boundary point (their labels), and step along it.
     * 10 qps.
     */
    public List<InferenceEvent> hopSkipJump(String client, int queries, long seed) {
        PoisonedDataset rows = data.resampled(seed);
        SplittableRandom r = new SplittableRandom(seed);
        double[] x0 = standardizer.apply(rows.row(r.nextLong(1L << 40)).features);
        String a = predict(raw(x0));
        double[] adv;
        do {
            adv = standardizer.apply(rows.row(r.nextLong(1L << 40)).features);
        } while (predict(raw(adv)).equals(a));
        List<InferenceEvent> out = new ArrayList<>(queries);
        long[] t = {START_MILLIS};
        while (out.size() < queries) {
            double[] lo = x0;
            double[] hi = adv;
            for (int s = 0; s < 8 && out.size() < queries; s++) {
                double[] mid = new double[features];
                for (int j = 0; j < features; j++) {
                    mid[j] = (lo[j] + hi[j]) / 2;
                }
                if (query(out, client, mid, t, r).equals(a)) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            double[] boundary = hi;
            double[] grad = new double[features];
            for (int b = 0; b < 12 && out.size() < queries; b++) {
                double[] u = unit(r);
                double[] p = boundary.clone();
                for (int j = 0; j < features; j++) {
                    p[j] += 0.05 * u[j];
                }
                double phi = query(out, client, p, t, r).equals(a) ? -1 : 1;
                for (int j = 0; j < features; j++) {
                    grad[j] += phi * u[j];
                }
            }
            double norm = Math.sqrt(Arrays.stream(grad).map(v -> v * v).sum()) + 1e-12;
            adv = boundary.clone();
            for (int j = 0; j < features; j++) {
                adv[j] += 0.2 * grad[j] / norm;
            }
        }
        return out;
    }

    private String query(List<InferenceEvent> out, String client, double[] z, long[] t, SplittableRandom r) {
        t[0] += gap(r, 10);
        InferenceEvent e = event(client, out.size(), t[0], raw(z));
        out.add(e);
        return e.predictedLabel;
    }

    private double[] unit(SplittableRandom r) {
        double[] u = new double[features];
        double n = 0;
        for (int j = 0; j < features; j++) {
            u[j] = r.nextGaussian();
            n += u[j] * u[j];
        }
        n = Math.sqrt(n);
        for (int j = 0; j < features; j++) {
            u[j] /= n;
        }
        return u;
    }

    /**
     * Blacklight-style iterations of a score-based attack (NES-like): around a natural start point the
     * client sends Gaussian perturbations of size {@code sigma} (z-space) and drifts the centre by a
     * small step every 10 queries. 10 qps.
     */
    public List<InferenceEvent> nearDuplicates(String client, int queries, double sigma, long seed) {
        PoisonedDataset rows = data.resampled(seed);
        SplittableRandom r = new SplittableRandom(seed);
        double[] centre = standardizer.apply(rows.row(r.nextLong(1L << 40)).features);
        List<InferenceEvent> out = new ArrayList<>(queries);
        long[] t = {START_MILLIS};
        for (int i = 0; i < queries; i++) {
            double[] z = centre.clone();
            for (int j = 0; j < features; j++) {
                z[j] += sigma * r.nextGaussian();
            }
            query(out, client, z, t, r);
            if (i % 10 == 9) {
                double[] u = unit(r);
                for (int j = 0; j < features; j++) {
                    centre[j] += 0.02 * u[j];
                }
            }
        }
        return out;
    }

    /** Events of several clients merged in event-time order (stable). */
    public static List<InferenceEvent> merge(List<List<InferenceEvent>> streams) {
        List<InferenceEvent> all = new ArrayList<>();
        streams.forEach(all::addAll);
        all.sort((x, y) -> Long.compare(x.timestampMillis, y.timestampMillis));
        return all;
    }
}
