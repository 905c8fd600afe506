package io.modelwarden.detect.poisoning;

import java.io.Serializable;

/**
 * z-scores feature vectors with fixed per-feature means and standard deviations. A standard deviation
 * that is not positive and finite (a constant feature, say) counts as 1, so z stays finite.
 */
public final class Standardizer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[] mean;
    private final double[] std;

    public Standardizer(double[] mean, double[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean and std differ in length");
        }
        this.mean = mean.clone();
        this.std = std.clone();
        for (int j = 0; j < this.std.length; j++) {
            if (!(this.std[j] > 0 && Double.isFinite(this.std[j]))) {
                this.std[j] = 1.0;
            }
        }
    }

    /** From per-feature moments: their means and standard deviations. */
    public static Standardizer of(io.modelwarden.stats.RunningMoments[] moments) {
        double[] mean = new double[moments.length];
        double[] std = new double[moments.length];
        for (int j = 0; j < moments.length; j++) {
            mean[j] = moments[j].mean();
            std[j] = moments[j].stddev();
        }
        return new Standardizer(mean, std);
    }

    public int dimensions() {
        return mean.length;
    }

    /** Writes the z-scores of x into out (allocation-free on the per-row path) and returns out. */
    public double[] apply(double[] x, double[] out) {
        for (int j = 0; j < mean.length; j++) {
            out[j] = (x[j] - mean[j]) / std[j];
        }
        return out;
    }

    public double[] apply(double[] x) {
        return apply(x, new double[mean.length]);
    }

    public double mean(int j) {
        return mean[j];
    }

    public double std(int j) {
        return std[j];
    }
}
