package io.modelwarden.detect.serving;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.stats.Hashing;

/** Shared per-event helpers of the serving detectors: encoding, exact-repeat filtering, distances. */
final class ServingVectors {
    private ServingVectors() {}

    /** True when the event carries a usable feature vector for a detector expecting {@code dims} (0: any). */
    static boolean usable(InferenceEvent e, int dims) {
        if (e.features == null || e.features.length == 0 || (dims > 0 && e.features.length != dims)) {
            return false;
        }
        for (double v : e.features) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** z-scores with the baseline when there is one, else copies the raw features. */
    static double[] encode(ServingBaseline baseline, double[] x) {
        if (baseline == null) {
            return x.clone();
        }
        return baseline.standardizer().apply(x);
    }

    /** A 64-bit hash of the exact feature values. */
    static long exactHash(double[] x) {
        long h = 0x9E3779B97F4A7C15L ^ x.length;
        for (double v : x) {
            h = Hashing.mix64(h ^ Double.doubleToLongBits(v == 0.0 ? 0.0 : v));
        }
        return h == 0 ? 1 : h; // 0 marks an empty slot
    }

    /**
     * Exact-retry filter. A client that re-sends one of its last {@code ring.length} queries unchanged
     * (a retry after a timeout, a re-scored record) reveals nothing new about the model and must not
     * look like a near-duplicate attack, so detectors skip such events. Returns true when {@code hash}
     * is already in the ring; otherwise stores it at {@code next} and returns false.
     */
    static boolean isRepeat(long[] ring, int next, long hash) {
        for (long h : ring) {
            if (h == hash) {
                return true;
            }
        }
        if (ring.length > 0) {
            ring[next] = hash;
        }
        return false;
    }

    static double distance(double[] a, float[] flat, int offset) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double d = a[j] - flat[offset + j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    static double distance(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double d = a[j] - b[j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    static void store(double[] x, float[] flat, int offset) {
        for (int j = 0; j < x.length; j++) {
            flat[offset + j] = (float) x[j];
        }
    }
}
