package io.modelwarden.detect.serving;

import io.modelwarden.baseline.Baseline;
import io.modelwarden.config.Config;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.stats.Hashing;
import io.modelwarden.stats.RunningMoments;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The warm-up of a served model that has no baseline: its first events, from which the monitor makes
 * the baseline the detectors that compare traffic with the training data need (DETECTORS.md: "thresholds
 * are calibrated on benign data, from the baseline or from a warm-up period where there is none").
 *
 * <p><b>Sample.</b> The first {@code monitor.warmup.events} events of the model (per parallel subtask)
 * with the model's feature count (that of the first one), at most {@code max-client-share} of them from
 * any one client: an attacker among the first clients cannot make its own probing the norm, and a busy
 * client cannot fill the sample alone (events over its share are left out, not waited for). A model whose
 * traffic comes from fewer than 1 / share clients never completes its warm-up; its baseline detectors
 * stay off ({@link #describe} says how far it got).
 *
 * <p><b>Calibration</b> ({@link #calibrate}), the same statistics a scan's baseline gives the monitor:
 * per-feature mean and standard deviation (z-scoring; a constant feature gets 1), 101 nearest-rank
 * quantiles, the prediction label counts, and the stateful kNN threshold tau by {@link
 * StatefulKnnDetector#calibrateTau} on the z-scored sample. There are no training fingerprints, so
 * {@code membership_probe} stays off. Features are named by position, {@code features[j]}.
 *
 * <p><b>Assumption (stated in the README).</b> The warm-up traffic is mostly benign: a sample taken while
 * an attack dominates the model's traffic makes that attack look normal. A model with a trusted training
 * set should get a baseline from a scan instead.
 *
 * <p><b>Cost.</b> O(d) per sampled event; the calibration O(n d log n + n N d) once (n = events, N the kNN
 * buffer: about 30 M operations at the defaults and d = 30). <b>Memory</b>: n d doubles plus a counter per
 * client, about 0.5 MB at the defaults and d = 30, per model without a baseline, until it is calibrated.
 */
public final class WarmupSample implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String modelId;
    private final int capacity;
    private final int maxPerClient;
    private int dims = -1;
    private int size;
    private double[] rows = new double[0];
    private final HashMap<String, Integer> perClient = new HashMap<>();
    private final TreeMap<String, Long> labelCounts = new TreeMap<>();
    private long firstMillis = Long.MAX_VALUE;
    private long lastMillis = Long.MIN_VALUE;

    public WarmupSample(String modelId, WarmupSettings settings) {
        this.modelId = modelId;
        this.capacity = settings.events();
        this.maxPerClient = settings.maxPerClient();
    }

    public String modelId() {
        return modelId;
    }

    public boolean complete() {
        return size == capacity;
    }

    public int size() {
        return size;
    }

    /** Adds the event unless the sample is complete, its client has its share, or its feature count differs. */
    public void offer(InferenceEvent e) {
        if (complete() || e.features == null || e.features.length == 0 || (dims >= 0 && e.features.length != dims)) {
            return;
        }
        int n = perClient.getOrDefault(e.clientId, 0);
        if (n >= maxPerClient) {
            return;
        }
        perClient.put(e.clientId, n + 1);
        if (dims < 0) {
            dims = e.features.length;
        }
        if (rows.length < (size + 1) * dims) {
            rows = Arrays.copyOf(rows, Math.min(capacity, Math.max(64, size * 2)) * dims);
        }
        System.arraycopy(e.features, 0, rows, size * dims, dims);
        size++;
        if (e.predictedLabel != null) {
            labelCounts.merge(e.predictedLabel, 1L, Long::sum);
        }
        firstMillis = Math.min(firstMillis, e.timestampMillis);
        lastMillis = Math.max(lastMillis, e.timestampMillis);
    }

    /** Where the warm-up stands, for the log. */
    public String describe() {
        return "model " + modelId + ": warm-up " + size + "/" + capacity + " events from " + perClient.size() + " clients";
    }

    /** The baseline calibrated on the complete sample (call only when {@link #complete()}). */
    public ServingBaseline calibrate(Config c) {
        if (!complete()) {
            throw new IllegalStateException(describe() + " is not complete");
        }
        RunningMoments[] moments = new RunningMoments[dims];
        double[][] quantiles = new double[dims][];
        double[] col = new double[size];
        double[] ranks = Baseline.quantileRanks();
        List<String> names = new ArrayList<>(dims);
        for (int j = 0; j < dims; j++) {
            moments[j] = new RunningMoments();
            for (int i = 0; i < size; i++) {
                col[i] = rows[i * dims + j];
                moments[j].add(col[i]);
            }
            Arrays.sort(col);
            quantiles[j] = ScanProfile.nearestRanks(col, ranks);
            names.add("features[" + j + "]");
        }
        Standardizer standardizer = Standardizer.of(moments);
        Map<String, Map<String, Object>> detectors = new LinkedHashMap<>();
        detectors.put(CALIBRATION, evidence());
        List<double[]> z = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            z.add(standardizer.apply(Arrays.copyOfRange(rows, i * dims, (i + 1) * dims)));
        }
        Map<String, Object> knn = StatefulKnnDetector.baselineEntry(z, StatefulKnnSettings.fromConfig(c), Hashing.mix64(modelId.hashCode()));
        if (knn != null) {
            detectors.put(StatefulKnnDetector.ID, knn);
        }
        return new ServingBaseline(modelId, names, standardizer, quantiles, null, labelCounts, detectors);
    }

    /** The key, in a calibrated baseline's detector map, of what the warm-up was ({@link #evidence}). */
    public static final String CALIBRATION = "warmup_calibration";

    /** What an analyst is told about the warm-up behind an alert's thresholds. */
    public Map<String, Object> evidence() {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("events", size);
        ev.put("clients", perClient.size());
        ev.put("max_per_client", maxPerClient);
        ev.put("first_event_time", firstMillis == Long.MAX_VALUE ? null : java.time.Instant.ofEpochMilli(firstMillis).toString());
        ev.put("last_event_time", lastMillis == Long.MIN_VALUE ? null : java.time.Instant.ofEpochMilli(lastMillis).toString());
        return ev;
    }
}
