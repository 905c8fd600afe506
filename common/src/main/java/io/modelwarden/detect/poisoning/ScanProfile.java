package io.modelwarden.detect.poisoning;

import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.CategoryCounts;
import io.modelwarden.stats.PrioritySample;
import io.modelwarden.stats.RunningMoments;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;

/**
 * The first pass of a scan: a fixed-size, mergeable summary of the dataset. Per feature the moments;
 * the label counts; per category column its value counts ({@link CategoryCounts}: up to a bounded
 * number of distinct values); and a seeded priority sample of rows that the row-level models are
 * fitted on and that the per-feature distributions ({@link #sketch}) are taken from. Memory is
 * independent of the row count: O(features + category columns x max categories + sample size x
 * features).
 */
public final class ScanProfile implements Serializable {
    private static final long serialVersionUID = 1L;
    /** KLL accuracy parameter of sketches read from older baselines (about 1.3% normalised rank error). */
    public static final int KLL_K = 200;
    /** The largest KLL k: a sketch of at most this many items keeps them all (no random compaction). */
    static final int MAX_EXACT = 65_535;

    private final String[] featureNames;
    private long rows;
    private final RunningMoments[] moments;
    /** Per feature, the rows whose value is missing (NaN): left out of the moments, sketches and quantiles. */
    private final long[] missing;
    private transient KllDoublesSketch[] sketches;
    private final TreeMap<String, Long> labelCounts = new TreeMap<>();
    private final PrioritySample sample;
    /** The category columns (string columns other than the label and the id) and their value counts over every row. */
    private final String[] categoryNames;
    private final CategoryCounts[] categories;

    public ScanProfile(String[] featureNames, int sampleSize, long seed) {
        this(featureNames, new String[0], 1, sampleSize, seed);
    }

    /** @param maxCategories distinct values past which a category column is free text ({@link CategoryCounts}) */
    public ScanProfile(String[] featureNames, String[] categoryNames, int maxCategories, int sampleSize, long seed) {
        this.featureNames = featureNames.clone();
        this.categoryNames = categoryNames.clone();
        this.categories = new CategoryCounts[categoryNames.length];
        for (int j = 0; j < categories.length; j++) {
            categories[j] = new CategoryCounts(maxCategories);
        }
        this.moments = new RunningMoments[featureNames.length];
        this.missing = new long[featureNames.length];
        for (int j = 0; j < featureNames.length; j++) {
            moments[j] = new RunningMoments();
        }
        this.sample = new PrioritySample(sampleSize, seed);
    }

    /** Adds one row; its features must have one value per feature column (NaN: missing). */
    public void add(TrainingRow row) {
        double[] x = row.features;
        for (int j = 0; j < x.length; j++) {
            if (Double.isNaN(x[j])) {
                missing[j]++;
            } else {
                moments[j].add(x[j]);
            }
        }
        if (row.label != null) {
            labelCounts.merge(row.label, 1L, Long::sum);
        }
        for (int j = 0; j < categories.length; j++) {
            categories[j].add(row.categories == null ? null : row.categories[j]);
        }
        sample.add(row);
        sketches = null;
        rows++;
    }

    public void merge(ScanProfile other) {
        if (other.featureNames.length != featureNames.length) {
            throw new IllegalArgumentException("cannot merge profiles of " + featureNames.length + " and " + other.featureNames.length + " features");
        }
        for (int j = 0; j < featureNames.length; j++) {
            moments[j].merge(other.moments[j]);
            missing[j] += other.missing[j];
        }
        other.labelCounts.forEach((k, v) -> labelCounts.merge(k, v, Long::sum));
        if (other.categories.length != categories.length) {
            throw new IllegalArgumentException("cannot merge profiles of " + categories.length + " and " + other.categories.length + " category columns");
        }
        for (int j = 0; j < categories.length; j++) {
            categories[j].merge(other.categories[j]);
        }
        sample.merge(other.sample);
        sketches = null;
        rows += other.rows;
    }

    public long rows() {
        return rows;
    }

    public int dimensions() {
        return featureNames.length;
    }

    public String[] featureNames() {
        return featureNames.clone();
    }

    public RunningMoments moments(int feature) {
        return moments[feature];
    }

    /** Rows whose value of the feature is missing. */
    public long missing(int feature) {
        return missing[feature];
    }

    /**
     * Feature j's distribution for drift and range checks: a KLL sketch of the feature's values in the
     * row sample (every row of a dataset no larger than the sample, else a uniform random subset of
     * its size, 20,000 rows by default). It holds every value (KLL compacts, with an unseeded random,
     * only past k items, and k is the item count here), so it is the same on every run and at any
     * parallelism; per-row sketch updates were a quarter of the profile pass's time.
     */
    public KllDoublesSketch sketch(int feature) {
        if (sketches == null) {
            sketches = new KllDoublesSketch[featureNames.length];
        }
        if (sketches[feature] == null) {
            sketches[feature] = sketch(feature, MAX_EXACT);
        }
        return sketches[feature];
    }

    /** {@link #sketch(int)} of the first {@code maxRows} rows of the sample (in priority order: a uniform subset). */
    public KllDoublesSketch sketch(int feature, int maxRows) {
        java.util.List<TrainingRow> rows = sample.rows();
        int n = Math.min(Math.min(rows.size(), maxRows), MAX_EXACT);
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(Math.max(KLL_K, n));
        for (int i = 0; i < n; i++) {
            double v = rows.get(i).features[feature];
            if (!Double.isNaN(v)) {
                s.update(v);
            }
        }
        return s;
    }

    public String[] categoryNames() {
        return categoryNames.clone();
    }

    /** Category column j's value counts over every row. */
    public CategoryCounts categories(int j) {
        return categories[j];
    }

    /** Category column name to its counts, in column order. */
    public Map<String, CategoryCounts> categories() {
        Map<String, CategoryCounts> out = new java.util.LinkedHashMap<>();
        for (int j = 0; j < categories.length; j++) {
            out.put(categoryNames[j], categories[j]);
        }
        return out;
    }

    /** Label counts in label order. */
    public Map<String, Long> labelCounts() {
        return new TreeMap<>(labelCounts);
    }

    public PrioritySample sample() {
        return sample;
    }

    /**
     * Quantiles of feature j at the given ranks from the priority sample (nearest rank):
     * deterministic, since the sample is the same rows whatever the parallelism, and exact for
     * datasets no larger than the sample; the KLL sketch compacts with an unseeded random and would
     * differ from run to run. Missing values are left out. Null when the sample holds no value.
     */
    public double[] sampleQuantiles(int feature, double[] ranks) {
        java.util.List<TrainingRow> rows = sample.rows();
        double[] col = new double[rows.size()];
        int n = 0;
        for (TrainingRow r : rows) {
            double v = r.features[feature];
            if (!Double.isNaN(v)) {
                col[n++] = v;
            }
        }
        if (n == 0) {
            return null;
        }
        col = java.util.Arrays.copyOf(col, n);
        java.util.Arrays.sort(col);
        return nearestRanks(col, ranks);
    }

    /** The values of {@code sorted} (ascending, not empty) at the given ranks in [0, 1], nearest rank. */
    public static double[] nearestRanks(double[] sorted, double[] ranks) {
        double[] q = new double[ranks.length];
        for (int i = 0; i < ranks.length; i++) {
            q[i] = sorted[(int) Math.round(ranks[i] * (sorted.length - 1))];
        }
        return q;
    }

    /** Mean and standard deviation per feature, for z-scoring; a constant feature gets stddev 1. */
    public Standardizer standardizer() {
        return Standardizer.of(moments);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static ScanProfile fromBytes(byte[] data) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
            return (ScanProfile) in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A KLL sketch as bytes of (item, weight) pairs (see {@link #writeSketch}). */
    public static byte[] sketchBytes(KllDoublesSketch s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            writeSketch(out, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static KllDoublesSketch sketchFromBytes(byte[] data) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new ByteArrayInputStream(data))) {
            return readSketch(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a KLL sketch as (item, weight) pairs. */
    public static void writeSketch(java.io.DataOutput out, KllDoublesSketch s) throws IOException {
        int n = s.isEmpty() ? 0 : s.getNumRetained();
        out.writeInt(n);
        if (n == 0) {
            return;
        }
        QuantilesDoublesSketchIterator it = s.iterator();
        while (it.next()) {
            out.writeDouble(it.getQuantile());
            out.writeLong(it.getWeight());
        }
    }

    /**
     * Reads what {@link #writeSketch} wrote into a new sketch with the same items and weights; up to
     * {@link #MAX_EXACT} items it keeps them all (k is their count), so reading is deterministic.
     */
    public static KllDoublesSketch readSketch(java.io.DataInput in) throws IOException {
        int n = in.readInt();
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(Math.max(KLL_K, Math.min(n, MAX_EXACT)));
        for (int i = 0; i < n; i++) {
            double item = in.readDouble();
            long weight = in.readLong();
            s.update(item, weight);
        }
        return s;
    }
}
