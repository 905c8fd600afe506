package io.modelwarden.stats;

import java.io.Serializable;

/**
 * Count, mean, variance, min and max of a stream of doubles; mergeable, and independent of the order
 * in which values and parts arrive. A scan's profile merges the parts of its parallel tasks, and
 * which rows a task reads depends on which file splits it happened to ask for, so a Welford update
 * (whose rounding depends on the order) gave means and deviations that differed in their last bits
 * from run to run, and with them every z-score and every piece of evidence computed from one.
 *
 * <p>Here the sums of x and x^2 are kept as double-doubles (an unevaluated sum hi + lo, about 106
 * bits; x^2 exact by a fused multiply-add): adding the same values in any order gives sums that
 * agree to about 2^-106 of their size, far below a double's last bit, so the mean and variance
 * derived from them round to the same doubles. (Not a proof for every input: sums within 2^-106 of a
 * rounding boundary, or values of hugely different magnitudes that cancel, could still differ.) The
 * variance is {@code (sum x^2 - (sum x)^2 / n) / (n - 1)} evaluated in double-double, accurate while
 * the mean is within about 10^15 standard deviations of zero. Cost: a few more floating-point
 * operations per value than Welford's update.
 */
public final class RunningMoments implements Serializable {
    private static final long serialVersionUID = 2L;

    private long n;
    private double sumHi;
    private double sumLo;
    private double sqHi;
    private double sqLo;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    public void add(double x) {
        n++;
        addToSum(x, 0.0);
        double p = x * x;
        addToSq(p, Math.fma(x, x, -p)); // x^2 = p + its rounding error, exactly
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
        n += o.n;
        addToSum(o.sumHi, o.sumLo);
        addToSq(o.sqHi, o.sqLo);
        min = Math.min(min, o.min);
        max = Math.max(max, o.max);
    }

    private void addToSum(double hi, double lo) {
        double s = sumHi + hi;
        double t = twoSumError(sumHi, hi, s) + sumLo + lo;
        sumHi = s + t;
        sumLo = t - (sumHi - s);
    }

    private void addToSq(double hi, double lo) {
        double s = sqHi + hi;
        double t = twoSumError(sqHi, hi, s) + sqLo + lo;
        sqHi = s + t;
        sqLo = t - (sqHi - s);
    }

    /** The rounding error of s = a + b (Knuth's TwoSum): a + b = s + error exactly. */
    private static double twoSumError(double a, double b, double s) {
        double v = s - a;
        return (a - (s - v)) + (b - v);
    }

    public long count() {
        return n;
    }

    public boolean isEmpty() {
        return n == 0;
    }

    public double mean() {
        if (n == 0) {
            return 0.0;
        }
        double q = sumHi / n;
        return q + (Math.fma(-q, n, sumHi) + sumLo) / n;
    }

    /** Sample variance (n - 1); 0 for fewer than two values and for a constant (exactly, whatever the rounding). */
    public double variance() {
        if (n < 2 || min == max) {
            return 0.0;
        }
        // (sum x)^2 / n as a double-double (qHi, qLo).
        double p = sumHi * sumHi;
        double pe = Math.fma(sumHi, sumHi, -p) + 2 * sumHi * sumLo;
        double pHi = p + pe;
        double pLo = pe - (pHi - p);
        double qHi = pHi / n;
        double qLo = (Math.fma(-qHi, n, pHi) + pLo) / n;
        // sum x^2 - (sum x)^2 / n, then rounded once.
        double s = sqHi - qHi;
        double d = s + (twoSumError(sqHi, -qHi, s) + sqLo - qLo);
        return Math.max(0.0, d) / (n - 1);
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
