package io.modelwarden.detect.poisoning;

import java.io.Serializable;

/** z-scores feature vectors with fixed per-feature means and standard deviations. */
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
