package io.modelwarden.stats;

import org.apache.commons.math3.special.Gamma;

/** The Poisson upper tail, for the scan's expected-rate tests (duplicates, label noise against a baseline). */
public final class Poisson {
    private Poisson() {}

    /** P(X >= k) for X ~ Poisson(mean): 1 for k <= 0; for a mean of 0, 0 for k >= 1. */
    public static double tail(double mean, long k) {
        if (k <= 0) {
            return 1;
        }
        if (mean <= 0) {
            return 0;
        }
        // P(X >= k) = P(k, mean), the regularised lower incomplete gamma function: no cancellation
        // for small tails, as 1 - cdf(k - 1) has.
        return Gamma.regularizedGammaP(k, mean);
    }
}
