package io.modelwarden.stats;

import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Gamma;

/**
 * Upper tails of counts, exact far out (no 1 - cdf cancellation): the scan's expected-rate tests
 * (duplicates, label noise, trigger rules against a baseline) and the monitor's training-hit test.
 */
public final class Tails {
    private Tails() {}

    /** P(X >= k) for X ~ Poisson(mean): 1 for k <= 0; for a mean of 0, 0 for k >= 1. */
    public static double poisson(double mean, long k) {
        if (k <= 0) {
            return 1;
        }
        if (mean <= 0) {
            return 0;
        }
        // P(X >= k) = P(k, mean), the regularised lower incomplete gamma function.
        return Gamma.regularizedGammaP(k, mean);
    }

    /** P(X >= h) for X ~ Binomial(n, p) = I_p(h, n - h + 1), the regularised incomplete beta function. */
    public static double binomial(long h, long n, double p) {
        if (h <= 0) {
            return 1.0;
        }
        if (h > n) {
            return 0.0;
        }
        return Beta.regularizedBeta(p, h, n - h + 1);
    }
}
