package io.modelwarden.stats;

import java.io.Serializable;

/**
 * Count, mean, variance (Welford), min and max of a stream of doubles; mergeable (Chan et al.), so
 * per-partition results combine into the same answer as one pass.
 */
public final class RunningMoments implements Serializable {
    private static final long serialVersionUID = 1L;

    private long n;
    private double mean;
    private double m2;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    public void add(double x) {
        n++;
        double delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
        if (x < min) {
            min = x;
        }
        if (x > max) {
            max = x;
        }
    }

    public void merge(RunningMoments o) {
        if (o.n == 0) {
            return;
        }
        if (n == 0) {
            n = o.n;
            mean = o.mean;
            m2 = o.m2;
            min = o.min;
            max = o.max;
            return;
        }
        long total = n + o.n;
        double delta = o.mean - mean;
        mean += delta * o.n / total;
        m2 += o.m2 + delta * delta * ((double) n * o.n / total);
        n = total;
        min = Math.min(min, o.min);
        max = Math.max(max, o.max);
    }

    public long count() {
        return n;
    }

    public boolean isEmpty() {
        return n == 0;
    }

    public double mean() {
        return mean;
    }

    /** Sample variance (n - 1); 0 for fewer than two values. */
    public double variance() {
        return n < 2 ? 0.0 : m2 / (n - 1);
    }

    public double stddev() {
        return Math.sqrt(variance());
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }
}
