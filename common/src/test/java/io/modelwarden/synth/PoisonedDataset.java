package io.modelwarden.synth;

import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.Hashing;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded synthetic tabular training set with known poison, generated row by row (random access,
 * no memory held), so tests, benchmarks and the shipped sample dataset all draw from the same
 * scenarios.
 *
 * <p>Clean data: {@code classes} labels ("0", "1", ...), each a mixture of two Gaussian clusters in
 * {@code features} dimensions whose centres are drawn N(0, separation^2) per dimension; every
 * feature then gets its own scale and offset, and the last feature is rounded to an integer
 * (a discrete column, as real data has). Poison, each at its own rate and chosen per row by a
 * seeded hash, never two kinds on one row:
 *
 * <ul>
 *   <li>{@link Poison#OUTLIER}: every feature uniform within +-8 cluster standard deviations (a global anomaly);
 *   <li>{@link Poison#LABEL_FLIP}: the label is replaced by another class;
 *   <li>{@link Poison#DUPLICATE}: the row is an exact copy (features and label) of an earlier clean row;
 *   <li>{@link Poison#BACKDOOR}: feature {@code triggerFeature} is set to the constant
 *       {@code triggerValue} (inside the feature's normal range) and the label to {@code targetLabel}.
 * </ul>
 *
 * {@link #shifted} gives a batch whose first {@code share} of features are shifted by {@code shift}
 * standard deviations, for drift.
 */
public final class PoisonedDataset {
    public enum Poison {
        NONE,
        OUTLIER,
        LABEL_FLIP,
        DUPLICATE,
        BACKDOOR
    }

    /** Rates of each poison kind, as shares of all rows. */
    public record Rates(double outlier, double labelFlip, double duplicate, double backdoor) {
        public static final Rates CLEAN = new Rates(0, 0, 0, 0);

        public double total() {
            return outlier + labelFlip + duplicate + backdoor;
        }
    }

    private final long seed;
    private final int rows;
    private final int features;
    private final int classes;
    private final Rates rates;
    private final double[][] centres; // [class * 2 + cluster][feature]
    private final double[] scale;
    private final double[] offset;
    private final int triggerFeature;
    private final double triggerValue;
    private final String targetLabel;
    private final int shiftedFeatures;
    private final double shift;

    private PoisonedDataset(long seed, int rows, int features, int classes, double separation, Rates rates, int shiftedFeatures, double shift) {
        if (features < 3 || classes < 2 || rows < 1) {
            throw new IllegalArgumentException("need rows >= 1, features >= 3, classes >= 2");
        }
        this.seed = seed;
        this.rows = rows;
        this.features = features;
        this.classes = classes;
        this.rates = rates;
        this.shiftedFeatures = shiftedFeatures;
        this.shift = shift;
        SplittableRandom r = new SplittableRandom(seed);
        centres = new double[classes * 2][features];
        for (double[] c : centres) {
            for (int j = 0; j < features; j++) {
                c[j] = r.nextGaussian() * separation;
            }
        }
        scale = new double[features];
        offset = new double[features];
        for (int j = 0; j < features; j++) {
            scale[j] = 0.5 + 1.5 * r.nextDouble();
            offset[j] = Math.round((r.nextDouble() - 0.5) * 200) / 2.0;
        }
        triggerFeature = 1 + r.nextInt(features - 2);
        // A value one standard deviation above the feature's mean: common-looking, not an outlier.
        triggerValue = Math.round((offset[triggerFeature] + 1.0 * scale[triggerFeature] * (1 + separation)) * 1000) / 1000.0;
        targetLabel = Integer.toString(classes - 1);
    }

    /** Clean data, three classes of two clusters each. */
    public static PoisonedDataset clean(long seed, int rows, int features) {
        return new PoisonedDataset(seed, rows, features, 3, 1.0, Rates.CLEAN, 0, 0);
    }

    public static PoisonedDataset poisoned(long seed, int rows, int features, Rates rates) {
        return new PoisonedDataset(seed, rows, features, 3, 1.0, rates, 0, 0);
    }

    /**
     * The same population (same seed, so the same clusters) but with the first {@code share} of
     * features shifted by {@code shift} of their standard deviation, and a different row stream.
     */
    public PoisonedDataset shifted(double share, double shiftInStd, long rowSeed) {
        PoisonedDataset d = new PoisonedDataset(seed, rows, features, classes, 1.0, rates, (int) Math.round(share * features), shiftInStd);
        return d.withRowSeed(rowSeed);
    }

    /** The same population with another, independent draw of rows (a clean split). */
    public PoisonedDataset resampled(long rowSeed) {
        return new PoisonedDataset(seed, rows, features, classes, 1.0, rates, shiftedFeatures, shift).withRowSeed(rowSeed);
    }

    private long rowSeed;
    private double duplicateJitter;

    /**
     * The same dataset, but each DUPLICATE row's features are its source's plus normal noise of {@code
     * jitter} cluster standard deviations (about 0.7 x jitter of the feature's z-score): copies made to
     * slip past exact matching.
     */
    public PoisonedDataset withDuplicateJitter(double jitter) {
        PoisonedDataset d = new PoisonedDataset(seed, rows, features, classes, 1.0, rates, shiftedFeatures, shift).withRowSeed(rowSeed);
        d.duplicateJitter = jitter;
        return d;
    }

    private boolean outlierCluster;

    /**
     * The same dataset, but each OUTLIER row is one of a tight cluster instead of a global anomaly: its
     * first five features 3 standard deviations of the clean data above their offset, with noise of
     * 0.05 of a deviation; the others as a clean row has them. Synthetic rows injected
     * at one place, which a forest fitted on the poisoned data itself partly takes for normal.
     */
    public PoisonedDataset withOutlierCluster() {
        PoisonedDataset d = new PoisonedDataset(seed, rows, features, classes, 1.0, rates, shiftedFeatures, shift).withRowSeed(rowSeed);
        d.duplicateJitter = duplicateJitter;
        d.outlierCluster = true;
        return d;
    }

    private PoisonedDataset withRowSeed(long s) {
        this.rowSeed = s;
        return this;
    }

    public int rows() {
        return rows;
    }

    public int features() {
        return features;
    }

    public String[] featureNames() {
        String[] names = new String[features];
        for (int j = 0; j < features; j++) {
            names[j] = "f" + j;
        }
        return names;
    }

    public int triggerFeature() {
        return triggerFeature;
    }

    public double triggerValue() {
        return triggerValue;
    }

    public String targetLabel() {
        return targetLabel;
    }

    /** Which poison row i carries. */
    public Poison poisonOf(long i) {
        double u = unit(i, 0x5eedL);
        double acc = rates.outlier;
        if (u < acc) {
            return Poison.OUTLIER;
        }
        acc += rates.labelFlip;
        if (u < acc) {
            return Poison.LABEL_FLIP;
        }
        acc += rates.duplicate;
        if (u < acc && i > 0) {
            return Poison.DUPLICATE;
        }
        acc += rates.backdoor;
        if (u < acc) {
            return Poison.BACKDOOR;
        }
        return Poison.NONE;
    }

    /** Row i (0-based), poison applied. */
    public TrainingRow row(long i) {
        Poison p = poisonOf(i);
        TrainingRow row;
        if (p == Poison.DUPLICATE) {
            long j = source(i);
            row = cleanRow(j);
            row.rowIndex = i;
            row.rowId = id(i);
            if (duplicateJitter > 0) {
                SplittableRandom r = rng(i, 0xd0b1eL);
                for (int f = 0; f < features - 1; f++) { // the last, discrete feature stays as it was
                    row.features[f] += duplicateJitter * scale[f] * r.nextGaussian();
                }
            }
            return row;
        }
        row = cleanRow(i);
        SplittableRandom r = rng(i, 0xbadL);
        int cls = Integer.parseInt(row.label);
        switch (p) {
            case OUTLIER -> {
                if (outlierCluster) {
                    // The clean data's standard deviation per feature is about scale x sqrt(1 + separation^2).
                    double sd = Math.sqrt(2);
                    for (int j = 0; j < Math.min(5, features); j++) {
                        row.features[j] = offset[j] + scale[j] * sd * (3 + 0.05 * r.nextGaussian());
                    }
                } else {
                    // A global anomaly (as in ADBench): every feature uniform over a box of +-8 cluster
                    // standard deviations around the feature's centre, far outside any one cluster.
                    for (int j = 0; j < features; j++) {
                        row.features[j] = offset[j] + scale[j] * (r.nextDouble() * 2 - 1) * 8;
                    }
                }
                roundDiscrete(row.features);
            }
            case LABEL_FLIP -> row.label = Integer.toString((cls + 1 + r.nextInt(classes - 1)) % classes);
            case BACKDOOR -> {
                row.features[triggerFeature] = triggerValue;
                row.label = targetLabel;
            }
            default -> {}
        }
        return row;
    }

    /** The clean row a DUPLICATE row i copies. */
    public long source(long i) {
        long j = Math.floorMod(Hashing.mix64(seed ^ rowSeed ^ (i * 31 + 7)), i);
        // Copy a clean row so that a duplicate is only a duplicate.
        for (int tries = 0; tries < 64 && poisonOf(j) != Poison.NONE; tries++) {
            j = Math.floorMod(Hashing.mix64(j + 1 + tries), i);
        }
        return j;
    }

    private TrainingRow cleanRow(long i) {
        SplittableRandom r = rng(i, 0xc1eaL);
        int cls = r.nextInt(classes);
        double[] c = centres[cls * 2 + r.nextInt(2)];
        double[] x = new double[features];
        for (int j = 0; j < features; j++) {
            double v = c[j] + r.nextGaussian();
            if (j < shiftedFeatures) {
                v += shift;
            }
            x[j] = offset[j] + scale[j] * v;
        }
        roundDiscrete(x);
        return new TrainingRow(id(i), i, 0, x, Integer.toString(cls));
    }

    private void roundDiscrete(double[] x) {
        x[features - 1] = Math.rint(x[features - 1]);
    }

    private static String id(long i) {
        return "r-" + i;
    }

    /** All rows in memory (tests only: benchmarks stream with {@link #row}). */
    public List<TrainingRow> all() {
        List<TrainingRow> out = new ArrayList<>(rows);
        for (long i = 0; i < rows; i++) {
            out.add(row(i));
        }
        return out;
    }

    /** Row indexes carrying the given poison. */
    public List<Long> indexesOf(Poison p) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < rows; i++) {
            if (poisonOf(i) == p) {
                out.add(i);
            }
        }
        return out;
    }

    private SplittableRandom rng(long i, long salt) {
        return new SplittableRandom(Hashing.mix64(seed * 0x9E3779B97F4A7C15L ^ rowSeed * 31 ^ salt ^ Hashing.mix64(i)));
    }

    private double unit(long i, long salt) {
        return (Hashing.mix64(seed ^ rowSeed * 131 ^ salt ^ Hashing.mix64(i + 0x1234567L)) >>> 11) * 0x1.0p-53;
    }
}
