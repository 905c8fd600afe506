package io.modelwarden.detect.serving;

import io.modelwarden.detect.ColumnDistances;
import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * S3: stateful kNN detector of query-based adversarial-example attacks (Chen, Carlini, Wagner,
 * "Stateful Detection of Black-Box Adversarial Attacks", SPAI 2020). Keyed by {@code model_id|client_id}.
 *
 * <p><b>Attack.</b> Black-box evasion (score- or decision-based: NES, Boundary, HopSkipJump) that queries
 * many small variations of one input.
 *
 * <p><b>Signal.</b> The query is encoded (z-scored with the baseline, raw features without one) and
 * compared with the client's last N encoded queries: s = mean of the k smallest L2 distances. A query
 * is suspicious when s < tau; the alarm fires after {@code min-consecutive} suspicious queries in a row
 * and then clears the buffer (Chen et al. clear it too, so repeated alarms count as further detections).
 * tau is {@code stateful_knn.tau} from the baseline (written by the scan with {@link #calibrateTau}, the
 * 0.1st percentile of s on trusted training rows) or the configured fallback. Requiring a short run of
 * hits is our deviation from the paper: at 0.1% per-query false positives a benign batch scorer sending
 * 10,000 natural queries would alarm almost surely, while an attack keeps s far below tau on every query.
 * Exact repeats of one of the last {@code recent-repeats} queries (retries) are skipped: they carry no
 * information for an attacker on a deterministic model and would otherwise drive s to 0.
 *
 * <p><b>Encoding.</b> With a baseline the buffer keeps int8 codes round(z / quantum) (quantum 1/16 z,
 * clipped to +-127 levels), and the query is coded the same way: distances are exact integer sums of
 * squared code differences, scaled back by the quantum. {@link #calibrateTau} codes the training rows
 * identically, so tau and s are computed in one space. Without a baseline raw features are kept as floats.
 *
 * <p><b>Cost per event.</b> O(N d) integer distances plus an O(N) selection of the k smallest (N = 500,
 * {@link SmallestSelection}). The buffer is column-major, so the distances are vector loops
 * ({@link ColumnDistances}: with the JDK's Vector API when the JVM has {@code jdk.incubator.vector}).
 *
 * <p><b>Memory per key.</b> N (d + 4) bytes + 8 x recent-repeats + ~60 (codes, int time offsets): at
 * defaults (N = 500) 6.3 KB at d = 8 and 17.3 KB at d = 30 (Flink serializer). That is the bound: the
 * rings grow as queries arrive ({@link Rings}), so after 100 queries a key holds 1.9 KB and 4.7 KB.
 *
 * <p><b>Parameters</b> ({@link StatefulKnnSettings}): k 50, buffer-size 500, tau fallback 0.5,
 * min-consecutive 3, calibration-percentile 0.1, recent-repeats 32, quantum 1/16, idle-timeout 24h. Earliest alarm:
 * query k + min-consecutive (53 at defaults).
 */
public final class StatefulKnnDetector implements ServingDetector<StatefulKnnState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "stateful_knn";
    private static final ColumnDistances DISTANCES = ColumnDistances.get();
    /** Key of tau in the baseline's {@code stateful_knn} detector map. */
    public static final String TAU_KEY = "tau";

    private final StatefulKnnSettings settings;
    private final ServingBaseline baseline;
    private final double tau;
    private final boolean tauFromBaseline;
    private final double quantum;
    /** Scratch (the query's codes, the squared distances, a widened column), reused: a detector instance is single-threaded. */
    private transient byte[] codes;
    private transient int[] d2;
    private transient int[] widened;
    private transient SmallestSelection select;

    /** @param baseline the model's baseline (z-space, and tau when it has one), or null for raw features */
    public StatefulKnnDetector(StatefulKnnSettings settings, ServingBaseline baseline) {
        this.settings = settings;
        this.baseline = baseline;
        Object t = baseline == null ? null : baseline.detector(ID).get(TAU_KEY);
        this.tauFromBaseline = t instanceof Number n && n.doubleValue() > 0;
        this.quantum = settings.quantum();
        this.tau = tauFromBaseline ? ((Number) t).doubleValue() : settings.tau();
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
    public Class<StatefulKnnState> stateClass() {
        return StatefulKnnState.class;
    }

    @Override
    public StatefulKnnState newState() {
        return new StatefulKnnState(); // rings grow as queries arrive (Rings)
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    /** The threshold in use (baseline's or configured). */
    public double tau() {
        return tau;
    }

    @Override
    public Optional<ServingDetection> observe(StatefulKnnState s, InferenceEvent e) {
        int expected = baseline != null ? baseline.dimensions() : s.dims;
        if (!ServingVectors.usable(e, expected)) {
            return Optional.empty();
        }
        int repeats = settings.recentRepeats();
        s.recent = Rings.fit(s.recent, s.recentNext, repeats);
        if (ServingVectors.isRepeat(s.recent, s.recentNext, ServingVectors.exactHash(e))) {
            return Optional.empty();
        }
        if (repeats > 0) {
            s.recentNext = (s.recentNext + 1) % repeats;
        }
        double[] x = ServingVectors.encode(baseline, e);
        int n = settings.bufferSize();
        boolean coded = baseline != null;
        if (s.dims == 0) {
            s.dims = x.length;
            s.timeBase = e.timestampMillis;
        }
        if (s.buffer.length > 0) {
            s.columns = Rings.columnMajor(s.buffer, 1, s.dims);
            s.buffer = new byte[0];
        }
        byte[] q = null;
        if (coded) {
            if (codes == null || codes.length != x.length) {
                codes = new byte[x.length];
            }
            q = codes;
            ServingVectors.quantize(x, quantum, q, 0);
        }
        int held = s.size();
        int k = settings.k();
        double stat = Double.NaN;
        long windowStart = e.timestampMillis;
        if (held >= k) {
            if (coded) {
                if (d2 == null || d2.length < held) {
                    d2 = new int[Math.max(held, n)];
                    widened = new int[d2.length];
                    select = new SmallestSelection(d2.length);
                }
                int[] d2 = this.d2;
                DISTANCES.distancesSq(q, s.columns, s.columns.length / s.dims, held, d2, widened);
                stat = meanOfSmallestCoded(d2, held, k, quantum, select);
            } else {
                double[] d = new double[held];
                for (int i = 0; i < held; i++) {
                    d[i] = ServingVectors.distance(x, s.raw, i * s.dims);
                }
                stat = meanOfSmallest(d, k);
            }
            s.lastScore = stat;
            s.consecutive = stat < tau ? s.consecutive + 1 : 0;
            if (s.consecutive >= settings.minConsecutive()) {
                // The alarm's window: from the oldest buffered query (read only when it fires, before
                // this query overwrites a slot).
                int oldest = Integer.MAX_VALUE;
                for (int i = 0; i < held; i++) {
                    oldest = Math.min(oldest, s.times[i]);
                }
                windowStart = Math.min(windowStart, s.timeBase + oldest);
            }
        }
        int pos = s.count % n;
        s.times = Rings.fit(s.times, pos, n);
        if (coded) {
            int slots = s.columns.length / s.dims;
            if (pos >= slots) {
                int grown = Rings.slots(slots, pos, n);
                s.columns = Rings.restride(s.columns, s.dims, slots, grown);
                slots = grown;
            }
            for (int j = 0; j < s.dims; j++) {
                s.columns[j * slots + pos] = q[j];
            }
        } else {
            s.raw = Rings.fit(s.raw, pos, n, s.dims);
            ServingVectors.store(x, s.raw, pos * s.dims);
        }
        s.timeBase = ServingVectors.storeTime(s.timeBase, s.times, pos, e.timestampMillis);
        s.count++;
        if (s.consecutive < settings.minConsecutive()) {
            return Optional.empty();
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("statistic", "mean_knn_distance");
        ev.put("s", stat);
        ev.put("tau", tau);
        ev.put("direction", "below");
        ev.put("k", k);
        ev.put("buffered_queries", held);
        ev.put("consecutive", s.consecutive);
        ev.put("tau_source", tauFromBaseline ? "baseline" : "config");
        ev.put("last_event_id", e.eventId);
        s.alarms++;
        ev.put("alarms", s.alarms);
        // Chen et al.: clear the buffer on alarm, so a continuing attack produces further detections.
        s.count = 0;
        s.consecutive = 0;
        double score = 0.5 + 0.5 * (tau - stat) / tau;
        return Optional.of(new ServingDetection(Detection.of(score, ev), windowStart, e.timestampMillis));
    }

    /** Which {@link ColumnDistances} this JVM uses ("vector-api" or "scalar"), for the job's start-up log. */
    public static String distanceKernel() {
        return DISTANCES.name();
    }

    static double meanOfSmallest(double[] d, int k) {
        ServingVectors.selectSmallest(d, d.length, k);
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += d[i];
        }
        return sum / k;
    }

    /**
     * s from squared code distances: the mean of the square roots of the k smallest of {@code d2[0..n)}
     * ({@link SmallestSelection}), scaled back to z units.
     */
    static double meanOfSmallestCoded(int[] d2, int n, int k, double quantum, SmallestSelection select) {
        return select.sumSqrtOfSmallest(d2, n, k) / k * quantum;
    }

    /**
     * What a baseline records for this detector, calibrated on trusted z-encoded rows (a scan's
     * training sample, or a model's warm-up): tau by {@link #calibrateTau} with the settings' k,
     * percentile, buffer size and quantum, and those settings beside it. Null when there are no more
     * rows than k.
     */
    public static Map<String, Object> baselineEntry(List<double[]> zRows, StatefulKnnSettings knn, long seed) {
        if (zRows.size() <= knn.k()) {
            return null;
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put(TAU_KEY, calibrateTau(zRows, knn.k(), knn.calibrationPercentile(), seed, knn.bufferSize(), knn.quantum()));
        entry.put("k", knn.k());
        entry.put("buffer_size", knn.bufferSize());
        entry.put("percentile", knn.calibrationPercentile());
        entry.put("calibration_rows", zRows.size());
        entry.put("quantum", knn.quantum()); // tau was calibrated on int8 codes of this many z units per level
        return entry;
    }

    /** {@link #calibrateTau(List, int, double, long, int)} with the default buffer size (500). */
    public static double calibrateTau(List<double[]> zTrainingSample, int k, double percentile, long seed) {
        return calibrateTau(zTrainingSample, k, percentile, seed, StatefulKnnSettings.defaults().bufferSize());
    }

    /**
     * tau for the baseline: the {@code percentile} (in percent, e.g. 0.1) of the statistic s over trusted
     * training rows (z-encoded), computed the way a client would send them: the sample is shuffled with
     * the seed and streamed through a buffer of {@code bufferSize}; s of each row is taken against the
     * rows before it. Only rows that see a full buffer count when the sample is large enough (a full
     * buffer gives the smallest s, so tau is not inflated by warm-up rows). Cost O(M N d).
     */
    public static double calibrateTau(List<double[]> zTrainingSample, int k, double percentile, long seed, int bufferSize) {
        return calibrateTau(zTrainingSample, k, percentile, seed, bufferSize, StatefulKnnSettings.defaults().quantum());
    }

    /**
     * As {@link #calibrateTau(List, int, double, long, int)}, with the rows encoded as the detector keeps
     * them: int8 codes of {@code quantum} z units (the detector's {@code quantum} setting), so that tau and
     * the streaming statistic are computed in the same space.
     */
    public static double calibrateTau(List<double[]> zTrainingSample, int k, double percentile, long seed, int bufferSize, double quantum) {
        int m = zTrainingSample.size();
        if (m <= k) {
            throw new IllegalArgumentException("need more than k = " + k + " training rows, got " + m);
        }
        if (!(percentile > 0 && percentile < 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100), was " + percentile);
        }
        List<double[]> rows = new ArrayList<>(zTrainingSample);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = m - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double[] t = rows.get(i);
            rows.set(i, rows.get(j));
            rows.set(j, t);
        }
        int first = m > bufferSize + 200 ? bufferSize : k;
        double[] stats = new double[m - first];
        int dims = rows.get(0).length;
        byte[] codes = new byte[m * dims];
        for (int i = 0; i < m; i++) {
            ServingVectors.quantize(rows.get(i), quantum, codes, i * dims);
        }
        byte[] q = new byte[dims];
        int[] d2 = new int[Math.min(m, bufferSize)];
        SmallestSelection select = new SmallestSelection(d2.length);
        for (int i = first; i < m; i++) {
            int from = Math.max(0, i - bufferSize);
            int held = i - from;
            System.arraycopy(codes, i * dims, q, 0, dims);
            for (int t = 0; t < held; t++) {
                d2[t] = ServingVectors.distanceSq(q, codes, (from + t) * dims);
            }
            stats[i - first] = meanOfSmallestCoded(d2, held, k, quantum, select);
        }
        Arrays.sort(stats);
        double pos = percentile / 100.0 * (stats.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(stats.length - 1, lo + 1);
        return stats[lo] + (pos - lo) * (stats[hi] - stats[lo]);
    }
}
