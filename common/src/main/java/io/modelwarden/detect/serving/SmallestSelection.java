package io.modelwarden.detect.serving;

import java.util.Arrays;

/**
 * The sum of the square roots of the k smallest of n non-negative ints (the stateful-kNN statistic's
 * core), without the branches of a quickselect: the k smallest of a few hundred distances of natural
 * queries follow no pattern a branch predictor learns, and the quickselect's comparisons mispredicted
 * so often that selecting cost more than computing the distances.
 *
 * <p>A histogram of the values' top 8 significant bits (256 buckets) finds the bucket that holds the
 * k-th smallest; every value in a lower bucket is among the k smallest, and only the values of that
 * bucket are sorted to take the rest. The passes are branch-free (conditional increments). The result
 * is the same multiset as a full sort's first k, summed in another order (the last bits of the sum
 * may differ from a sum in sorted order). Scratch arrays are reused: one instance per thread.
 */
final class SmallestSelection {
    private static final int BUCKETS = 256;

    private final int[] histogram = new int[BUCKETS];
    private int[] low;
    private int[] edge;

    SmallestSelection(int capacity) {
        low = new int[capacity];
        edge = new int[capacity];
    }

    /** Sum of sqrt of the k smallest of {@code values[0..n)} (values >= 0, 1 <= k <= n); values is not modified. */
    double sumSqrtOfSmallest(int[] values, int n, int k) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("need 1 <= k <= n, k = " + k + ", n = " + n);
        }
        if (low.length < n) {
            low = new int[n];
            edge = new int[n];
        }
        int max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, values[i]);
        }
        // Buckets of 2^shift values: max >>> shift < 256.
        int shift = Math.max(0, 24 - Integer.numberOfLeadingZeros(max));
        int[] h = histogram;
        Arrays.fill(h, 0);
        for (int i = 0; i < n; i++) {
            h[values[i] >>> shift]++;
        }
        int below = 0;
        int bucket = 0;
        while (below + h[bucket] < k) {
            below += h[bucket];
            bucket++;
        }
        int[] low = this.low;
        int[] edge = this.edge;
        int nl = 0;
        int ne = 0;
        for (int i = 0; i < n; i++) {
            int v = values[i];
            int b = v >>> shift;
            low[nl] = v;
            nl += b < bucket ? 1 : 0;
            edge[ne] = v;
            ne += b == bucket ? 1 : 0;
        }
        double sum = 0;
        for (int i = 0; i < nl; i++) {
            sum += Math.sqrt(low[i]);
        }
        Arrays.sort(edge, 0, ne);
        for (int i = 0; i < k - nl; i++) {
            sum += Math.sqrt(edge[i]);
        }
        return sum;
    }
}
