package io.modelwarden.detect.serving;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.stats.Hashing;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/**
 * Per-event feature helpers shared by the serving detectors: validity checks, z-scores, baseline
 * quantile bins, cell hashes and the chi-square OOD cut-off. Stateless and allocation-light.
 */
final class ServingFeatures {
    private ServingFeatures() {}

    /** True when the event carries a vector of the baseline's length whose values are all finite. */
    static boolean usable(InferenceEvent e, ServingBaseline baseline) {
        double[] x = e.features;
        if (x == null || x.length != baseline.dimensions()) {
            return false;
        }
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The event's z-scores against the baseline, computed once per event and baseline and shared by
     * every detector that asks (read-only: never write into the returned array).
     */
    static double[] z(InferenceEvent e, ServingBaseline baseline) {
        if (e.derivedFor != baseline || e.derivedFrom != e.features || e.z == null) {
            ServingVectors.derivedFrom(e);
            e.z = baseline.standardizer().apply(e.features);
            e.zSquaredNorm = squaredNorm(e.z);
            e.derivedFor = baseline;
        }
        return e.z;
    }

    /** sum z^2 of the event against the baseline (cached with {@link #z}). */
    static double zSquaredNorm(InferenceEvent e, ServingBaseline baseline) {
        z(e, baseline);
        return e.zSquaredNorm;
    }

    static double squaredNorm(double[] z) {
        double s = 0;
        for (double v : z) {
            s += v * v;
        }
        return s;
    }

    /** The {@code p} quantile of chi-square with {@code d} degrees of freedom. */
    static double chiSquareQuantile(int d, double p) {
        return new ChiSquaredDistribution(null, d).inverseCumulativeProbability(p);
    }

    /**
     * Bin of v among {@code bins} equal-mass bins of the 101 baseline quantile points: 0 .. bins-1
     * (values below the minimum go to 0, above the maximum to bins-1). An empty quantile array gives 0.
     */
    static int bin(double[] quantiles, double v, int bins) {
        if (quantiles.length < 2) {
            return 0;
        }
        int last = quantiles.length - 1;
        // Number of inner cut points (at ranks k/bins, k = 1..bins-1) that v reaches.
        int b = 0;
        for (int k = 1; k < bins; k++) {
            int idx = (int) Math.round((double) k * last / bins);
            if (v >= quantiles[idx]) {
                b = k;
            } else {
                break;
            }
        }
        return b;
    }

    /**
     * Percentile bin 0..100 of v: the index of the first of the 101 quantile points that is >= v (the
     * last point's index above them all); 0 without quantiles. A branch-free binary search (the halving
     * step is a conditional move): natural values land anywhere, so the branches of a classic search
     * mispredicted about every other step, most of model_inversion's time at d = 30.
     */
    static int percentile(double[] quantiles, double v) {
        int n = quantiles.length;
        if (n < 2) {
            return 0;
        }
        int base = 0;
        int len = n;
        while (len > 1) {
            int half = len >>> 1;
            base = quantiles[base + half] < v ? base + half : base;
            len -= half;
        }
        int pos = base + (quantiles[base] < v ? 1 : 0);
        return Math.min(n - 1, pos);
    }

    /** 64-bit hash of a cell given by its per-feature bins. */
    static long cellHash(int[] bins) {
        long h = CELL_HASH_SEED;
        for (int j = 0; j < bins.length; j++) {
            h = cellHashStep(h, j, bins[j]);
        }
        return h;
    }

    static final long CELL_HASH_SEED = 0x636f7665L;

    /** One step of {@link #cellHash}: folds feature j's bin into h (lets callers hash without a bins array). */
    static long cellHashStep(long h, int j, int bin) {
        return Hashing.mix64(h ^ ((long) bin << 20 ^ j));
    }

    /** Index into a ring of size n of the slot {@code count} (the count-th element ever written). */
    static int slot(long count, int n) {
        return (int) (count % n);
    }
}
