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

    /** z-scores of the event's features (shared, read-only) with a baseline, else a copy of the raw features. */
    static double[] encode(ServingBaseline baseline, InferenceEvent e) {
        return baseline == null ? e.features.clone() : ServingFeatures.z(e, baseline);
    }

    /** {@link #exactHash(double[])} of the event's features, computed once per event. */
    static long exactHash(InferenceEvent e) {
        derivedFrom(e);
        if (e.exactHash == 0) {
            e.exactHash = exactHash(e.features);
        }
        return e.exactHash;
    }

    /** Drops the event's cached derived values if they were computed from another features array. */
    static void derivedFrom(InferenceEvent e) {
        if (e.derivedFrom != e.features) {
            e.derivedFrom = e.features;
            e.derivedFor = null;
            e.z = null;
            e.exactHash = 0;
        }
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

    /**
     * Default quantum (z units per level) of the int8 codes the stateful kNN and PRADA keep instead of
     * floats: codes are round(z / quantum) clipped to [-127, 127], so z in [-7.94, 7.94] at 1/16. The
     * rounding error (at most quantum / 2 per coordinate, rms quantum / sqrt(12) = 0.018) is small next
     * to the distances the detectors compare (tau ~1.5 at d = 8); z beyond the range is clipped.
     */
    static final double Z_QUANTUM = 1.0 / 16;

    /** Writes the int8 codes of {@code z} at {@code offset}. */
    static void quantize(double[] z, double quantum, byte[] out, int offset) {
        double inv = 1.0 / quantum;
        for (int j = 0; j < z.length; j++) {
            long c = Math.round(z[j] * inv);
            out[offset + j] = (byte) Math.max(-127, Math.min(127, c));
        }
    }

    /** Squared L2 distance in code units between {@code q} and the codes at {@code offset}. */
    static int distanceSq(byte[] q, byte[] flat, int offset) {
        int s = 0;
        for (int j = 0; j < q.length; j++) {
            int d = q[j] - flat[offset + j];
            s += d * d;
        }
        return s;
    }

    /** L2 distance between {@code x} and the decoded codes at {@code offset} (codes x quantum). */
    static double distance(double[] x, byte[] flat, int offset, double quantum) {
        double s = 0;
        for (int j = 0; j < x.length; j++) {
            double d = x[j] - flat[offset + j] * quantum;
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /**
     * Stores event time {@code t} at {@code pos} of {@code offsets} (milliseconds after {@code base}, as
     * int) and returns the base in use afterwards: when t lies more than 2^31 ms (24.8 days) after the
     * base, the base moves forward and the older offsets with it (entries older than that range are
     * clamped to its start); times before the base by more than the range are clamped likewise.
     */
    static long storeTime(long base, int[] offsets, int pos, long t) {
        long off = t - base;
        if (off > Integer.MAX_VALUE) {
            long shift = off - Integer.MAX_VALUE;
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = (int) Math.max(Integer.MIN_VALUE, offsets[i] - shift);
            }
            base += shift;
            off = Integer.MAX_VALUE;
        }
        offsets[pos] = (int) Math.max(Integer.MIN_VALUE, off);
        return base;
    }

    /**
     * Rearranges {@code a[0..n)} (no NaN) so that its {@code k} smallest values come first (in no
     * particular order): quickselect, O(n) expected, instead of a full sort.
     */
    static void selectSmallest(double[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double x = a[lo], y = a[mid], z = a[hi];
            double pivot = x < y ? (y < z ? y : Math.max(x, z)) : (x < z ? x : Math.max(y, z));
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    double t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j) {
                hi = j;
            } else if (k - 1 >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }
}
