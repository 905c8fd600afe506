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
 * episode: the rule re-arms when the share falls back below the threshold. (2) Growth of the
 * explored out-of-distribution space, over the client's lifetime: each OOD query falls in a cell
 * given by its {@code bins} baseline-quantile bins per feature; the cell's 64-bit hash feeds a
 * HyperLogLog of 2^p one-byte registers (Flajolet et al. 2007, with linear counting for small counts).
 * Alert when the client has at least {@code min-ood-cells} distinct OOD cells and they make more than
 * {@code max-ood-cell-rate} of its queries, outside an OOD-share episode (which already said so); the
 * next growth alert needs twice the cells. Natural data keeps this rate near the chi-square tail
 * (1 - {@code ood-quantile}; measured 0.03-0.05% on the test scenarios, at 8 and 30 features),
 * however many queries a client sends, so heavy natural clients
 * stay quiet; an extraction that dilutes its synthetic queries with natural ones to keep the window
 * share under {@code max-ood-share} still accumulates OOD cells at its dilution rate. Distinct cells,
 * not OOD queries: a client that retries one odd record counts it once.
 *
 * <p><b>Why not all cells (a choice).</b> An earlier version alerted on the distinct count of all
 * cells. With equal-mass baseline-quantile bins natural data is close to uniform over the B^d cells,
 * so it lands in a new cell on almost every query (8 features, 10 bins: 59,874 distinct cells in
 * 60,000 natural queries, the same growth as a uniform extraction): that count measures volume, not
 * exploration, and a 50 qps batch scorer crossed any fixed limit within the hour. Volume is the rate
 * detector's business; a Knockoff-style extraction with natural data is indistinguishable from batch
 * scoring by any coverage signal. HLL registers of several keys merge by max (e.g. the Sybil
 * accounts behind one address).
 *
 * <p><b>Cost.</b> O(d) per event (z-scores); an OOD query adds O(d * B) bins, one hash and an O(2^p)
 * estimate. <b>Memory per key</b> at defaults: 1,024 B registers + 200 x 8 B times + 4 x 8 B OOD bits
 * + ~50 B fields, about 2.7 KiB once the window is full (the times ring grows with the queries, {@link Rings}).
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
        // times: grown as the window fills (Rings)
        s.nextCellAlert = settings.minOodCells();
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
        double d2 = ServingFeatures.zSquaredNorm(e, baseline);
        boolean ood = d2 > oodCut;

        if (ood) {
            addToHll(s.registers, cellHash(e.features));
        }

        int w = settings.window();
        int slot = ServingFeatures.slot(s.queries, w);
        if (s.queries >= w && bit(s.oodBits, slot)) {
            s.oodInWindow--;
        }
        setBit(s.oodBits, slot, ood);
        if (ood) {
            s.oodInWindow++;
        }
        s.times = Rings.fit(s.times, slot, w);
        s.times[slot] = e.timestampMillis;
        s.queries++;

        int inWindow = (int) Math.min(s.queries, w);
        long windowStart = s.times[s.queries >= w ? ServingFeatures.slot(s.queries, w) : 0];
        double share = (double) s.oodInWindow / inWindow;
        boolean oodHigh = inWindow >= settings.minQueries() && share > settings.maxOodShare();
        if (ood) {
            s.lastCells = estimate(s.registers); // O(2^p), only on OOD queries (0.1% of natural ones)
        }
        long cells = s.lastCells;

        if (oodHigh && !s.oodAlerting) {
            s.oodAlerting = true;
            double score = 0.5 + 0.5 * (share - settings.maxOodShare()) / (1 - settings.maxOodShare());
            return Optional.of(detection("ood_share", score, s, share, inWindow, cells, d2, e, windowStart));
        }
        if (oodHigh) {
            return Optional.empty(); // the growth rule would only repeat the window rule's episode
        }
        s.oodAlerting = false;
        double cellRate = (double) cells / s.queries;
        if (cells >= s.nextCellAlert && cellRate > settings.maxOodCellRate()) {
            s.nextCellAlert = Math.max(s.nextCellAlert * 2, cells + 1);
            double score = 0.5 + 0.5 * Math.min(1.0, (cellRate / settings.maxOodCellRate() - 1) / 9); // 1.0 at ten times the limit
            return Optional.of(detection("ood_cells", score, s, share, inWindow, cells, d2, e, windowStart));
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
        ev.put("distinct_ood_cells", cells);
        ev.put("ood_cell_rate", (double) cells / s.queries);
        ev.put("max_ood_cell_rate", settings.maxOodCellRate());
        ev.put("min_ood_cells", settings.minOodCells());
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

    /** The cell of a feature vector: the hash of its baseline-quantile bins. */
    private long cellHash(double[] x) {
        long h = ServingFeatures.CELL_HASH_SEED;
        for (int j = 0; j < x.length; j++) {
            h = ServingFeatures.cellHashStep(h, j, ServingFeatures.bin(baseline.quantiles(j), x[j], settings.bins()));
        }
        return h;
    }

    /** Estimated distinct out-of-distribution cells the key has visited. */
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
