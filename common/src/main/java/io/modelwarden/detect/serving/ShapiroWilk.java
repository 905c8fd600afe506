package io.modelwarden.detect.serving;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.math3.special.Erf;

/**
 * The Shapiro-Wilk W test of normality with Royston's approximations (Royston 1992, "Approximating the
 * Shapiro-Wilk W-test for non-normality", Statistics and Computing 2; algorithm AS R94, Applied
 * Statistics 44, 1995), valid for 3 <= n <= 5000. Written from the published description: the
 * coefficients a_i come from the expected normal order statistics m_i = Phi^-1((i - 3/8)/(n + 1/4)) with
 * Royston's polynomial corrections of the two outermost weights; the p-value is exact for n = 3, and
 * for n >= 4 comes from a normalising transformation of W (log-gamma form for n <= 11, log-normal for
 * n >= 12). Stateless apart from a bounded cache of the weights per n; allocation O(n) per call.
 */
public final class ShapiroWilk {
    public static final int MIN_N = 3;
    public static final int MAX_N = 5000;

    private static final double SQRT2 = Math.sqrt(2.0);
    // Royston's polynomial coefficients, in powers of u = 1/sqrt(n) (a_n and a_{n-1}) or of n / ln n.
    private static final double[] C1 = {0.0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056};
    private static final double[] C2 = {0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633};
    private static final double[] G = {-2.273, 0.459};
    private static final double[] C3 = {0.5440, -0.39978, 0.025054, -6.714e-4};
    private static final double[] C4 = {1.3822, -0.77857, 0.062767, -0.0020322};
    private static final double[] C5 = {-1.5861, -0.31082, -0.083751, 0.0038915};
    private static final double[] C6 = {-0.4803, -0.082676, 0.0030302};

    /** W in (0, 1] and its p-value (small W, small p: evidence against normality). */
    public record Result(double w, double pValue, int n) {}

    /**
     * The weights a_i depend on n alone, and a detector tests the same few n again and again (PRADA: every
     * 10th query of a client), while computing them takes n inverse error functions. Up to
     * {@link #CACHED_SIZES} sizes are kept (shared, never modified after insertion); beyond that the
     * weights are computed per call.
     */
    private static final ConcurrentHashMap<Integer, double[]> COEFFICIENTS = new ConcurrentHashMap<>();
    static final int CACHED_SIZES = 256;

    private ShapiroWilk() {}

    /** Tests the first n values of x (not modified). */
    public static Result test(double[] x, int n) {
        if (n < MIN_N || n > MAX_N) {
            throw new IllegalArgumentException("Shapiro-Wilk needs 3 <= n <= 5000, was " + n);
        }
        double[] s = Arrays.copyOf(x, n);
        Arrays.sort(s);
        return testSorted(s, n);
    }

    /** Tests the first n values of s, which are sorted ascending (not modified, not checked). */
    public static Result testSorted(double[] s, int n) {
        if (n < MIN_N || n > MAX_N) {
            throw new IllegalArgumentException("Shapiro-Wilk needs 3 <= n <= 5000, was " + n);
        }
        double range = s[n - 1] - s[0];
        if (!(range > 0)) {
            throw new IllegalArgumentException("Shapiro-Wilk needs at least two distinct values");
        }
        double[] a = cachedCoefficients(n);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += s[i];
        }
        mean /= n;
        double num = 0;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            num += a[i] * s[i];
            double dv = s[i] - mean;
            ss += dv * dv;
        }
        double w = Math.min(1.0, num * num / ss);
        return new Result(w, pValue(w, n), n);
    }

    public static Result test(double[] x) {
        return test(x, x.length);
    }

    /** {@link #coefficients(int)} from the shared cache (read-only: the array is shared). */
    static double[] cachedCoefficients(int n) {
        double[] a = COEFFICIENTS.get(n);
        if (a == null) {
            a = coefficients(n);
            if (COEFFICIENTS.size() < CACHED_SIZES) {
                COEFFICIENTS.putIfAbsent(n, a);
            }
        }
        return a;
    }

    /** The weights a_1..a_n (antisymmetric, sum of squares 1). */
    static double[] coefficients(int n) {
        double[] a = new double[n];
        if (n == 3) {
            a[0] = -Math.sqrt(0.5);
            a[2] = Math.sqrt(0.5);
            return a;
        }
        double[] m = new double[n];
        double mm = 0;
        for (int i = 0; i < n; i++) {
            m[i] = normalQuantile((i + 1 - 0.375) / (n + 0.25));
            mm += m[i] * m[i];
        }
        double u = 1.0 / Math.sqrt(n);
        double rsm = Math.sqrt(mm);
        double an = m[n - 1] / rsm + poly(C1, u);
        double phi;
        int outer;
        if (n > 5) {
            double an1 = m[n - 2] / rsm + poly(C2, u);
            phi = (mm - 2 * m[n - 1] * m[n - 1] - 2 * m[n - 2] * m[n - 2]) / (1 - 2 * an * an - 2 * an1 * an1);
            a[n - 2] = an1;
            a[1] = -an1;
            outer = 2;
        } else {
            phi = (mm - 2 * m[n - 1] * m[n - 1]) / (1 - 2 * an * an);
            outer = 1;
        }
        a[n - 1] = an;
        a[0] = -an;
        double rphi = Math.sqrt(phi);
        for (int i = outer; i < n - outer; i++) {
            a[i] = m[i] / rphi;
        }
        return a;
    }

    static double pValue(double w, int n) {
        if (n == 3) {
            // Exact: p = 6/pi (asin(sqrt W) - asin(sqrt(3/4))), W >= 3/4.
            double p = 6.0 / Math.PI * (Math.asin(Math.sqrt(Math.max(w, 0.75))) - Math.asin(Math.sqrt(0.75)));
            return Math.max(0.0, Math.min(1.0, p));
        }
        double y = Math.log(1 - w);
        double mu;
        double sigma;
        if (n <= 11) {
            double gamma = poly(G, n);
            if (y >= gamma) {
                return 1e-99; // W so small that the transformation is undefined: reject outright
            }
            y = -Math.log(gamma - y);
            mu = poly(C3, n);
            sigma = Math.exp(poly(C4, n));
        } else {
            double ln = Math.log(n);
            mu = poly(C5, ln);
            sigma = Math.exp(poly(C6, ln));
        }
        return upperNormalTail((y - mu) / sigma);
    }

    private static double poly(double[] c, double x) {
        double r = 0;
        for (int i = c.length - 1; i >= 0; i--) {
            r = r * x + c[i];
        }
        return r;
    }

    static double normalQuantile(double p) {
        return SQRT2 * Erf.erfInv(2 * p - 1);
    }

    private static double upperNormalTail(double z) {
        return 0.5 * Erf.erfc(z / SQRT2);
    }
}
