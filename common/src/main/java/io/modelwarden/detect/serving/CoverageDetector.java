package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * S2, coverage and out-of-distribution extraction monitor (MODEL_STEALING, id {@code coverage_ood}).
 * Key: {@code model_id|client_id} (the same state, keyed by {@code model_id|source_ip}, aggregates
 * Sybil accounts behind one address; HLL registers of several keys also merge by max).
 *
 * <p><b>Attack.</b> Model extraction with synthetic queries (JBDA-style augmentation, uniform or
 * random queries, Papernot 2017; Tramer 2016) explores regions of the input space real clients never
 * visit, and any extraction covers far more of the space than a normal client needs (Kesarwani et al.
 * 2018, "Model Extraction Warning in MLaaS Paradigm").
 *
 * <p><b>Signal.</b> (1) OOD share: a query is out of distribution when its baseline z-space squared
 * norm d^2 = sum_j z_j^2 exceeds the chi-square_d quantile {@code ood-quantile} (a diagonal
 * Mahalanobis distance: correlations are ignored, which makes it conservative for correlated
 * features); alert when the share of OOD queries among the last {@code window} exceeds
 * {@code max-ood-share} (once at least {@code min-queries} are in the window). One alert per
 * episode: the rule re-arms when the share falls back below the threshold. (2) Coverage: each query
 * falls in a cell given by its {@code bins} baseline-quantile bins per feature; the cell's 64-bit hash
 * feeds a HyperLogLog of 2^p one-byte registers (Flajolet et al. 2007, with linear counting for small
 * counts). Alert when the estimated distinct cells exceed {@code max-distinct-cells}; the next cell
 * alert needs twice the count. A HyperLogLog rather than a bounded set: a bounded set saturates at its
 * cap, exactly where an extraction becomes interesting, while 1 KiB of registers counts millions of
 * cells with ~3% error and merges across keys.
 *
 * <p><b>Limitation.</b> With d features and B bins there are B^d cells; natural data also lands in a
 * new cell on almost every query once d is moderate (8 features: 10^8 cells), so the coverage rule is
 * in effect a volume-of-spread rule: it separates clients by how much of the space they have seen, not
 * by how unnatural their queries are, and a heavy client of natural data (batch scoring, or a
 * Knockoff-style natural-data extraction, which no coverage signal can tell apart) reaches the limit
 * after about {@code max-distinct-cells} queries (measured on the test scenarios: a 50 qps scorer
 * alerts at query ~103,000, after 34 minutes, well inside the 60-minute idle timeout). Calibrate the limit as a benign per-client p99 over
 * the state's lifetime, and allow-list known batch scorers downstream. Unnatural queries are what the
 * OOD rule catches, after {@code min-queries} queries at the earliest.
 *
 * <p><b>Cost.</b> O(d * B) per event (z-scores, bins, one hash). <b>Memory per key</b> at defaults:
 * 1,024 B registers + 200 x 8 B times + 4 x 8 B OOD bits + ~40 B fields, about 2.7 KiB.
 */
public final class CoverageDetector implements ServingDetector<CoverageState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "coverage_ood";

    private final CoverageSettings settings;
    private final ServingBaseline baseline;
    private final double oodCut;

    public CoverageDetector(CoverageSettings settings, ServingBaseline baseline) {
        this.settings = settings;
        this.baseline = baseline;
        this.oodCut = ServingFeatures.chiSquareQuantile(baseline.dimensions(), settings.oodQuantile());
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
    public Class<CoverageState> stateClass() {
        return CoverageState.class;
    }

    @Override
    public CoverageState newState() {
        CoverageState s = new CoverageState();
        s.registers = new byte[1 << settings.hllPrecision()];
        s.oodBits = new long[(settings.window() + 63) / 64];
        s.times = new long[settings.window()];
        s.nextCellAlert = settings.maxDistinctCells();
        return s;
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    /** The chi-square cut-off on sum z^2 above which a query counts as OOD. */
    public double oodCut() {
        return oodCut;
    }

    @Override
    public Optional<ServingDetection> observe(CoverageState s, InferenceEvent e) {
        if (!ServingFeatures.usable(e, baseline)) {
            return Optional.empty(); // payload anomalies are the rate detector's business
        }
        double[] z = ServingFeatures.z(e, baseline);
        double d2 = ServingFeatures.squaredNorm(z);
        boolean ood = d2 > oodCut;

        int[] bins = new int[z.length];
        for (int j = 0; j < bins.length; j++) {
            bins[j] = ServingFeatures.bin(baseline.quantiles(j), e.features[j], settings.bins());
        }
        addToHll(s.registers, ServingFeatures.cellHash(bins));

        int w = settings.window();
        int slot = ServingFeatures.slot(s.queries, w);
        if (s.queries >= w && bit(s.oodBits, slot)) {
            s.oodInWindow--;
        }
        setBit(s.oodBits, slot, ood);
        if (ood) {
            s.oodInWindow++;
        }
        s.times[slot] = e.timestampMillis;
        s.queries++;

        int inWindow = (int) Math.min(s.queries, w);
        long windowStart = s.times[s.queries >= w ? ServingFeatures.slot(s.queries, w) : 0];
        double share = (double) s.oodInWindow / inWindow;
        boolean oodHigh = inWindow >= settings.minQueries() && share > settings.maxOodShare();
        long cells = estimate(s.registers);

        if (oodHigh && !s.oodAlerting) {
            s.oodAlerting = true;
            double score = 0.5 + 0.5 * (share - settings.maxOodShare()) / (1 - settings.maxOodShare());
            return Optional.of(detection("ood_share", score, s, share, inWindow, cells, d2, e, windowStart));
        }
        if (!oodHigh) {
            s.oodAlerting = false;
        }
        if (cells > s.nextCellAlert) {
            double ratio = (double) cells / settings.maxDistinctCells();
            s.nextCellAlert = Math.max(s.nextCellAlert * 2, cells);
            double score = 0.5 + 0.5 * Math.min(1.0, ratio - 1.0);
            return Optional.of(detection("distinct_cells", score, s, share, inWindow, cells, d2, e, windowStart));
        }
        return Optional.empty();
    }

    private ServingDetection detection(
            String rule, double score, CoverageState s, double share, int inWindow, long cells, double d2, InferenceEvent e, long windowStart) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rule", rule);
        ev.put("ood_share", share);
        ev.put("max_ood_share", settings.maxOodShare());
        ev.put("ood_in_window", s.oodInWindow);
        ev.put("window_queries", inWindow);
        ev.put("ood_statistic", "sum_z_squared");
        ev.put("ood_cut", oodCut);
        ev.put("last_sum_z_squared", d2);
        ev.put("distinct_cells", cells);
        ev.put("max_distinct_cells", settings.maxDistinctCells());
        ev.put("bins", settings.bins());
        ev.put("queries", s.queries);
        ev.put("last_event_id", e.eventId);
        return new ServingDetection(Detection.of(score, ev), Math.min(windowStart, e.timestampMillis), e.timestampMillis);
    }

    /**
     * Folds {@code from}'s distinct cells into {@code into} (register-wise max), e.g. to combine the
     * clients behind one source IP; the OOD window is not merged. Both must come from this detector.
     */
    public static void mergeCells(CoverageState into, CoverageState from) {
        if (into.registers.length != from.registers.length) {
            throw new IllegalArgumentException("cannot merge HyperLogLogs of " + into.registers.length + " and " + from.registers.length + " registers");
        }
        for (int i = 0; i < into.registers.length; i++) {
            into.registers[i] = (byte) Math.max(into.registers[i], from.registers[i]);
        }
    }

    /** Estimated distinct cells the key has visited. */
    public static long distinctCells(CoverageState s) {
        return estimate(s.registers);
    }

    // ---- a tiny HyperLogLog over byte registers ----

    static void addToHll(byte[] registers, long hash) {
        int p = Integer.numberOfTrailingZeros(registers.length);
        int idx = (int) (hash >>> (64 - p));
        long rest = (hash << p) | (1L << (p - 1)); // guard bit bounds the rank at 64 - p + 1
        int rank = Long.numberOfLeadingZeros(rest) + 1;
        if (rank > registers[idx]) {
            registers[idx] = (byte) rank;
        }
    }

    /** Distinct-count estimate: the HLL harmonic mean, with linear counting in the small range. */
    static long estimate(byte[] registers) {
        int m = registers.length;
        double sum = 0;
        int zeros = 0;
        for (byte r : registers) {
            sum += 1.0 / (1L << r);
            if (r == 0) {
                zeros++;
            }
        }
        double alpha = 0.7213 / (1 + 1.079 / m);
        double e = alpha * m * (double) m / sum;
        if (e <= 2.5 * m && zeros > 0) {
            e = m * Math.log((double) m / zeros);
        }
        return Math.round(e);
    }

    private static boolean bit(long[] bits, int i) {
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private static void setBit(long[] bits, int i, boolean v) {
        if (v) {
            bits[i >>> 6] |= 1L << (i & 63);
        } else {
            bits[i >>> 6] &= ~(1L << (i & 63));
        }
    }
}
