package io.modelwarden.detect.serving;

import io.modelwarden.detect.ColumnDistances;
import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * S1: PRADA model-extraction detector (Juuti, Szyller, Marchal, Asokan, "PRADA: Protecting against DNN
 * Model Stealing Attacks", EuroS&P 2019). Keyed by {@code model_id|client_id}.
 *
 * <p><b>Attack.</b> Model stealing by synthetic queries (JBDA/Papernot-style augmentation, random or
 * uniform probing), whose queries are placed at deliberate distances from earlier ones.
 *
 * <p><b>Signal.</b> For a query x predicted as class c: if c is new, G_c = {x}, T_c = 0. Otherwise
 * d = min over g in G_c of ||x - g||_2 is appended to dist_c; when d > T_c, x joins G_c, d joins D_c and
 * T_c = max(T_c, mean(D_c) - std(D_c)). Every {@code check-every} queries the dist_c of classes holding at
 * least {@code min-class-distances} values are pooled, values beyond {@code outlier-sigma} standard
 * deviations dropped, and if more than {@code min-distances} remain the Shapiro-Wilk W is computed
 * ({@link ShapiroWilk}); natural queries give roughly normal distances, synthetic ones do not. Alarm
 * when W < delta; score = 0.5 + 0.5 (delta - W) / delta. Distances are in the baseline's z-space when a
 * {@link ServingBaseline} is given, in raw feature units otherwise. Exact repeats of one of the client's
 * last {@code recent-repeats} queries are skipped (retries carry no new information, and a spike of
 * zero distances would break normality for an innocent retrying client).
 *
 * <p><b>Cost per event.</b> O(|G_c| d) for the minimum distance (64 x d at defaults; the growing sets are
 * column-major, so these are vector loops, {@link ColumnDistances}); every 10th event an
 * O(n) W over n <= max-classes x distance-window pooled values: the pool is kept sorted between checks
 * (the distances that joined and left it since the last check are merged in) while the state object
 * lives, as on the heap backend; after a restore, a copy or on RocksDB a check sorts it afresh (O(n
 * log n)), with the same result.
 *
 * <p><b>Memory per key.</b> Growing-set vectors as int8 codes of 1/16 z with a baseline (floats of raw
 * features without one; the distance of a query to a stored vector is taken against its decoded value,
 * off by at most 1/32 per coordinate), distances as floats with int time offsets: per class slot
 * cap d + 8 window + ~40 bytes, plus 8 x recent-repeats. At defaults (cap 64, window 256, 32 repeats):
 * 2,600 bytes per class at d = 8 and 4,000 at d = 30, so 12 KB for three classes at d = 30 and 32 KB
 * at the worst case of 8 classes. That is the bound: the growing sets and distance rings grow as they
 * fill ({@link Rings}; all class slots share one stride), so after 100 queries of three classes a key
 * holds 5.1 KB at d = 8 and 9.3 KB at d = 30. Not checkpointed, on the heap only: the sorted pool,
 * 4 bytes per pooled distance (at most 8 KB), and 512 bytes of changes between checks.
 *
 * <p><b>Parameters</b> ({@link PradaSettings}): delta 0.9, check-every 10, min-distances 100,
 * min-class-distances 10, outlier-sigma 3, max-classes 8, growing-set-cap 64, distance-window 256
 * (the paper keeps all; we cap for bounded state), recent-repeats 32, idle-timeout 24h.
 *
 * <p><b>Evasion.</b> Natural, in-distribution queries (Knockoff Nets) look benign; combine with the
 * coverage/OOD monitor and per-IP aggregation.
 */
public final class PradaDetector implements ServingDetector<PradaState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "prada";

    private final PradaSettings settings;
    private final ServingBaseline baseline;
    private static final ColumnDistances DISTANCES = ColumnDistances.get();

    /**
     * Scratch of {@link #check} (the pooled distances) and of the nearest-vector search (the query's codes,
     * the squared distances, a widened column), reused: a detector instance is single-threaded.
     */
    private transient double[] pool;
    private transient byte[] codes;
    private transient double[] sums;
    private transient double[] widened;

    /** @param baseline the model's baseline (z-space distances), or null for raw feature distances */
    public PradaDetector(PradaSettings settings, ServingBaseline baseline) {
        this.settings = settings;
        this.baseline = baseline;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.MODEL_STEALING;
    }

    @Override
    public Class<PradaState> stateClass() {
        return PradaState.class;
    }

    @Override
    public PradaState newState() {
        return new PradaState(); // rings grow as queries arrive (Rings)
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    @Override
    public Optional<ServingDetection> observe(PradaState s, InferenceEvent e) {
        int expected = baseline != null ? baseline.dimensions() : s.dims;
        if (!e.hasPrediction() || !ServingVectors.usable(e, expected)) {
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
        if (s.dims == 0) {
            s.timeBase = e.timestampMillis;
        }
        s.dims = x.length;
        if (s.growing.length > 0) {
            s.growingColumns = Rings.columnMajor(s.growing, s.classes(), s.dims);
            s.growing = new byte[0];
        }
        int slot = slotOf(s, e.predictedLabel);
        if (slot < 0) {
            if (s.classes() >= settings.maxClasses()) {
                return Optional.empty(); // more classes than we track: bounded state wins
            }
            slot = addSlot(s, e.predictedLabel);
            addToGrowingSet(s, slot, x);
            s.addedN[slot] = 1; // D_c = [0]
        } else {
            observeDistance(s, slot, x, e.timestampMillis);
        }
        s.queries++;
        if (s.queries % settings.checkEvery() != 0) {
            return Optional.empty();
        }
        return check(s, e);
    }

    private void observeDistance(PradaState s, int slot, double[] x, long time) {
        int cap = settings.growingSetCap();
        int d = s.dims;
        int size = Math.min(s.growingAdded[slot], cap);
        int base = slot * growingStride(s) * d;
        double min = Double.POSITIVE_INFINITY;
        if (baseline != null) {
            // The smallest squared distance and one square root: the minimum of the square roots (sqrt is
            // monotonic).
            if (sums == null || sums.length < size) {
                sums = new double[settings.growingSetCap()];
                widened = new double[sums.length];
            }
            min = Math.sqrt(DISTANCES.nearestSq(x, ServingVectors.Z_QUANTUM, s.growingColumns, base, growingStride(s), size, sums, widened));
        } else {
            for (int i = 0; i < size; i++) {
                double dist = ServingVectors.distance(x, s.growingRaw, base + i * d);
                if (dist < min) {
                    min = dist;
                }
            }
        }
        int window = settings.distanceWindow();
        int at = s.distanceCount[slot] % window;
        int stride = distanceStride(s);
        if (at >= stride) {
            int grown = Rings.slots(stride, at, window);
            s.distances = Rings.restride(s.distances, s.classes(), stride, grown);
            s.distanceTimes = Rings.restride(s.distanceTimes, s.classes(), stride, grown);
            stride = grown;
        }
        int pos = slot * stride + at;
        int heldBefore = Math.min(s.distanceCount[slot], window);
        trackPool(s, heldBefore, s.distanceCount[slot] >= window ? s.distances[pos] : Float.NaN, (float) min);
        s.distances[pos] = (float) min;
        s.timeBase = ServingVectors.storeTime(s.timeBase, s.distanceTimes, pos, time);
        s.distanceCount[slot]++;
        if (min > s.thresholds[slot]) {
            addToGrowingSet(s, slot, x);
            s.addedN[slot]++;
            s.addedSum[slot] += min;
            s.addedSumSq[slot] += min * min;
            double n = s.addedN[slot];
            double mean = s.addedSum[slot] / n;
            double var = Math.max(0, s.addedSumSq[slot] / n - mean * mean);
            s.thresholds[slot] = Math.max(s.thresholds[slot], mean - Math.sqrt(var));
        }
    }

    private Optional<ServingDetection> check(PradaState s, InferenceEvent e) {
        int window = settings.distanceWindow();
        int stride = distanceStride(s);
        long start = e.timestampMillis;
        for (int c = 0; c < s.classes(); c++) {
            int held = Math.min(s.distanceCount[c], window);
            if (held < settings.minClassDistances()) {
                continue;
            }
            for (int i = 0; i < held; i++) {
                start = Math.min(start, s.timeBase + s.distanceTimes[c * stride + i]);
            }
        }
        float[] sorted = sortedPool(s);
        int n = s.sortedSize;
        if (n <= settings.minDistances()) {
            return Optional.empty();
        }
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += sorted[i];
        }
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) {
            var += (sorted[i] - mean) * (sorted[i] - mean);
        }
        double limit = settings.outlierSigma() * Math.sqrt(var / n);
        // The values within the limit of the mean are a contiguous run of the sorted pool.
        int lo = 0;
        while (lo < n && !(Math.abs(sorted[lo] - mean) <= limit)) {
            lo++;
        }
        int hi = n;
        while (hi > lo && !(Math.abs(sorted[hi - 1] - mean) <= limit)) {
            hi--;
        }
        int kept = hi - lo;
        if (kept <= settings.minDistances()) {
            return Optional.empty();
        }
        if (pool == null || pool.length < kept) {
            pool = new double[Math.max(kept, 2 * settings.minDistances())];
        }
        double[] pool = this.pool;
        for (int i = 0; i < kept; i++) {
            pool[i] = sorted[lo + i];
        }
        double w;
        double p;
        try {
            ShapiroWilk.Result r = ShapiroWilk.testSorted(pool, kept);
            w = r.w();
            p = r.pValue();
        } catch (IllegalArgumentException constant) {
            w = 0; // all distances equal: as far from normal as it gets
            p = 0;
        }
        s.lastW = w;
        if (w >= settings.delta()) {
            return Optional.empty();
        }
        s.alarms++;
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("statistic", "shapiro_wilk_w");
        ev.put("w", w);
        ev.put("delta", settings.delta());
        ev.put("direction", "below");
        ev.put("p_value", p);
        ev.put("n", kept);
        ev.put("n_before_trim", n);
        ev.put("queries", s.queries);
        Map<String, Object> sizes = new LinkedHashMap<>();
        Map<String, Object> thresholds = new LinkedHashMap<>();
        for (int c = 0; c < s.classes(); c++) {
            sizes.put(s.classLabels[c], Math.min(s.growingAdded[c], settings.growingSetCap()));
            thresholds.put(s.classLabels[c], s.thresholds[c]);
        }
        ev.put("growing_set_sizes", sizes);
        ev.put("class_thresholds", thresholds);
        ev.put("space", baseline != null ? "z" : "raw");
        ev.put("last_event_id", e.eventId);
        double score = 0.5 + 0.5 * (settings.delta() - w) / settings.delta();
        return Optional.of(new ServingDetection(Detection.of(score, ev), start, e.timestampMillis));
    }

    /**
     * Keeps the state's sorted pool ({@link PradaState#sortedPool}) in step with a distance stored in a
     * class ring that held {@code heldBefore} values: the new one joins the pool and the one it
     * overwrites ({@code evicted}, NaN when the ring was not full) leaves it, if the class is pooled
     * (at least min-class-distances values); a class that becomes pooled now, or more changes between
     * two checks than the buffers hold, make the next check sort afresh.
     */
    private void trackPool(PradaState s, int heldBefore, float evicted, float joined) {
        if (!s.poolValid) {
            return;
        }
        int min = settings.minClassDistances();
        if (heldBefore < min) {
            if (heldBefore + 1 >= min) {
                s.poolValid = false; // the class joins the pool with all its distances
            }
            return;
        }
        if (s.joinedSize == s.poolJoined.length || (!Float.isNaN(evicted) && s.leftSize == s.poolLeft.length)) {
            s.poolValid = false;
            return;
        }
        s.poolJoined[s.joinedSize++] = joined;
        if (!Float.isNaN(evicted)) {
            s.poolLeft[s.leftSize++] = evicted;
        }
    }

    /**
     * The pooled distances (every class with at least min-class-distances values), sorted ascending, in
     * {@code s.sortedPool[0..s.sortedSize)}: brought up to date from the last check's by removing what
     * left and merging in what joined since (O(n)), or, without a valid one, collected from the rings
     * and sorted (the heap state backend keeps it between checks; after a restore, a state copy or on
     * RocksDB it is rebuilt). The same values a sort of the rings gives.
     */
    private float[] sortedPool(PradaState s) {
        int window = settings.distanceWindow();
        if (s.poolValid) {
            float[] a = s.sortedPool;
            int n = s.sortedSize;
            for (int i = 0; i < s.leftSize && s.poolValid; i++) {
                int at = Arrays.binarySearch(a, 0, n, s.poolLeft[i]);
                if (at < 0) {
                    s.poolValid = false; // cannot happen while the tracking is complete; sort afresh
                } else {
                    System.arraycopy(a, at + 1, a, at, n - at - 1);
                    n--;
                }
            }
            if (s.poolValid) {
                Arrays.sort(s.poolJoined, 0, s.joinedSize);
                if (a.length < n + s.joinedSize) {
                    a = Arrays.copyOf(a, Math.max(n + s.joinedSize, 2 * a.length));
                }
                // Merge from the back: a[0..n) and joined[0..j) into a[0..n + j).
                int i = n - 1;
                int j = s.joinedSize - 1;
                for (int k = n + s.joinedSize - 1; j >= 0; k--) {
                    a[k] = i >= 0 && a[i] > s.poolJoined[j] ? a[i--] : s.poolJoined[j--];
                }
                s.sortedPool = a;
                s.sortedSize = n + s.joinedSize;
            }
        }
        if (!s.poolValid) {
            int stride = distanceStride(s);
            int size = 0;
            for (int c = 0; c < s.classes(); c++) {
                int held = Math.min(s.distanceCount[c], window);
                if (held >= settings.minClassDistances()) {
                    size += held;
                }
            }
            float[] a = s.sortedPool != null && s.sortedPool.length >= size ? s.sortedPool : new float[Math.max(size, 16)];
            int n = 0;
            for (int c = 0; c < s.classes(); c++) {
                int held = Math.min(s.distanceCount[c], window);
                if (held >= settings.minClassDistances()) {
                    System.arraycopy(s.distances, c * stride, a, n, held);
                    n += held;
                }
            }
            Arrays.sort(a, 0, n);
            s.sortedPool = a;
            s.sortedSize = n;
            if (s.poolJoined == null) {
                s.poolJoined = new float[CHANGES_BETWEEN_CHECKS];
                s.poolLeft = new float[CHANGES_BETWEEN_CHECKS];
            }
            s.poolValid = true;
        }
        s.joinedSize = 0;
        s.leftSize = 0;
        return s.sortedPool;
    }

    /** Pool changes tracked between two checks (one per counted query; check-every is 10 by default). */
    private static final int CHANGES_BETWEEN_CHECKS = 64;

    private void addToGrowingSet(PradaState s, int slot, double[] x) {
        int cap = settings.growingSetCap();
        int pos = s.growingAdded[slot] % cap;
        int stride = growingStride(s);
        if (pos >= stride) {
            int grown = Rings.slots(stride, pos, cap);
            if (baseline != null) {
                s.growingColumns = Rings.restride(s.growingColumns, s.classes() * s.dims, stride, grown);
            } else {
                s.growingRaw = Rings.restride(s.growingRaw, s.classes(), stride * s.dims, grown * s.dims);
            }
            stride = grown;
        }
        if (baseline != null) {
            if (codes == null || codes.length != s.dims) {
                codes = new byte[s.dims];
            }
            ServingVectors.quantize(x, ServingVectors.Z_QUANTUM, codes, 0);
            for (int j = 0; j < s.dims; j++) {
                s.growingColumns[(slot * s.dims + j) * stride + pos] = codes[j];
            }
        } else {
            ServingVectors.store(x, s.growingRaw, (slot * stride + pos) * s.dims);
        }
        s.growingAdded[slot]++;
    }

    /**
     * Vectors each class slot's growing set has room for: all slots share one stride, grown as the
     * fullest one fills ({@link Rings}; at most growing-set-cap). Derived from the array's length, so
     * a state written at full size reads the same.
     */
    private int growingStride(PradaState s) {
        int per = s.classes() * s.dims;
        int length = baseline != null ? s.growingColumns.length : s.growingRaw.length;
        return per == 0 ? 0 : length / per;
    }

    /** Distances each class slot's ring has room for (one stride for all slots, at most distance-window). */
    private static int distanceStride(PradaState s) {
        return s.classes() == 0 ? 0 : s.distances.length / s.classes();
    }

    private static int slotOf(PradaState s, String label) {
        for (int c = 0; c < s.classLabels.length; c++) {
            if (s.classLabels[c].equals(label)) {
                return c;
            }
        }
        return -1;
    }

    private int addSlot(PradaState s, String label) {
        int c = s.classes() + 1;
        // A new slot takes the others' strides (the first one, room for a few).
        int vectors = c == 1 ? Math.min(Rings.INITIAL, settings.growingSetCap()) : growingStride(s);
        int window = c == 1 ? Math.min(Rings.INITIAL, settings.distanceWindow()) : distanceStride(s);
        s.classLabels = Arrays.copyOf(s.classLabels, c);
        s.classLabels[c - 1] = label;
        if (baseline != null) {
            s.growingColumns = Arrays.copyOf(s.growingColumns, c * vectors * s.dims);
        } else {
            s.growingRaw = Arrays.copyOf(s.growingRaw, c * vectors * s.dims);
        }
        s.growingAdded = Arrays.copyOf(s.growingAdded, c);
        s.thresholds = Arrays.copyOf(s.thresholds, c);
        s.addedN = Arrays.copyOf(s.addedN, c);
        s.addedSum = Arrays.copyOf(s.addedSum, c);
        s.addedSumSq = Arrays.copyOf(s.addedSumSq, c);
        s.distances = Arrays.copyOf(s.distances, c * window);
        s.distanceTimes = Arrays.copyOf(s.distanceTimes, c * window);
        s.distanceCount = Arrays.copyOf(s.distanceCount, c);
        return c - 1;
    }
}
