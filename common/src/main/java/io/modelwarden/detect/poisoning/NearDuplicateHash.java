package io.modelwarden.detect.poisoning;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Where a row's near duplicates can be: the buckets of a locality-sensitive hash (p-stable LSH with
 * multi-probe; Datar et al. 2004, Lv et al. 2007) and a 16-byte sketch that tells whether two rows of a
 * bucket are within the radius. Rows are near duplicates when the root mean square of their z-score
 * differences is at most {@code radius} (0.01 standard deviations by default); exact copies have
 * distance 0.
 *
 * <p><b>Why not a grid.</b> Rounding each z-score to a grid cell misses copies that straddle a cell
 * border on any one of the d features; with 30 features a copy jittered by a tenth of the cell is
 * missed most of the time. Here a row is hashed on {@code k} random unit directions (8 to 16, the
 * fewest that keep the buckets small on the data's sample, {@link #fit}) into buckets {@value
 * #WIDTH_PER_RADIUS} radii wide (at most {@value #MAX_WIDTH} standard deviations: 0.5 at the default
 * radius); a row within {@code radius} of a bucket border on a direction is also sent
 * to the bucket across it (at most {@value #MAX_FLIPS} borders, the nearest, so at most 16 buckets).
 * Of two rows on either side of a border, the nearer is within half their distance along the
 * direction of it, so they share a bucket when that distance is under {@code 2 x radius}, unless they
 * straddle two borders each nearer to a different one (rare: a border is straddled with probability
 * about 0.8 x distance / width). Along a random unit direction the difference of two rows is
 * about normal with the rows' root mean square difference as its deviation: measured on 30-feature
 * rows, pairs at {@code radius / 2} are found every time, at {@code 0.7 x radius} 99.5% of the time
 * ({@code NearDuplicateHashTest}).
 *
 * <p><b>Verification.</b> The sketch holds the row's projections on 16 directions (the bucket's first)
 * in steps of {@code radius / 4}, one byte each (modulo 256); two rows are near when the mean square of
 * their 16 projected differences is at most {@code radius^2}: an estimate of their mean square
 * difference within about 18% (a chi-square of 16 degrees of freedom), and rows that only share a
 * bucket differ by many steps on some direction.
 *
 * <p><b>Cost.</b> 16 dot products of d per row; about {@code (1 + 2 radius / width)^k} buckets per row,
 * each a record of the duplicate grouping's shuffle: 1.04^k up to radius 0.01 (1.37 at k = 8), more
 * above it, where the width stops growing.
 */
public final class NearDuplicateHash implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Directions projected on; the sketch has one byte per direction. */
    public static final int DIRECTIONS = 16;
    /** Bucket width along a direction, in radii... */
    public static final double WIDTH_PER_RADIUS = 50;
    /** ...but at most this many standard deviations (beyond, a row goes to more buckets instead). */
    public static final double MAX_WIDTH = 0.5;
    /** Fewest directions a bucket key uses. */
    public static final int MIN_KEY_DIRECTIONS = 8;
    /** Borders a row is sent across at most (the nearest): at most 2^4 buckets per row. */
    public static final int MAX_FLIPS = 4;
    /** Largest radius: beyond it a row goes to many buckets (about 4 at 0.05 and k = 8). */
    public static final double MAX_RADIUS = 0.05;
    /** Other rows a row shares its bucket with, on average at the dataset's full size, that {@link #fit} aims at. */
    static final double TARGET_BUCKET_MATES = 8;

    private static final long SEED = 0x6e65617244757073L;

    private final double radius;
    private final int dims;
    private final int keyDirections;
    private final double[][] directions; // [DIRECTIONS][dims], unit length
    private final double width;
    private final double[] offsets; // [DIRECTIONS], uniform in [0, width)
    private final double margin;
    private final double step;
    private final double meanBuckets;
    private final double configuredRadius;
    private final double dimension;

    private NearDuplicateHash(double radius, int dims, int keyDirections, double meanBuckets, double configuredRadius, double dimension) {
        if (!(radius > 0) || radius > MAX_RADIUS) {
            throw new IllegalArgumentException("radius must be in (0, " + MAX_RADIUS + "], was " + radius);
        }
        if (keyDirections < 1 || keyDirections > DIRECTIONS) {
            throw new IllegalArgumentException("key directions must be in [1, " + DIRECTIONS + "], was " + keyDirections);
        }
        this.radius = radius;
        this.dims = dims;
        this.keyDirections = keyDirections;
        this.margin = radius;
        this.width = Math.min(MAX_WIDTH, WIDTH_PER_RADIUS * radius);
        this.step = radius / 4;
        this.meanBuckets = meanBuckets;
        this.configuredRadius = configuredRadius;
        this.dimension = dimension;
        SplittableRandom r = new SplittableRandom(SEED);
        directions = new double[DIRECTIONS][dims];
        offsets = new double[DIRECTIONS];
        for (int i = 0; i < DIRECTIONS; i++) {
            double norm = 0;
            for (int j = 0; j < dims; j++) {
                double g = r.nextGaussian();
                directions[i][j] = g;
                norm += g * g;
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dims; j++) {
                directions[i][j] = norm == 0 ? 0 : directions[i][j] / norm;
            }
            offsets[i] = r.nextDouble() * width;
        }
    }

    /** A hash on {@code keyDirections} directions (tests; scans use {@link #fit}). */
    public static NearDuplicateHash of(double radius, int dims, int keyDirections) {
        return new NearDuplicateHash(radius, dims, keyDirections, Double.NaN, radius, Double.NaN);
    }

    /**
     * The hash for a dataset of {@code expectedRows} rows whose z-scored sample is {@code zSample}.
     *
     * <p>Its radius is {@code radius}, or less where the data is so dense that rows that are no copies
     * fall within it: from the smallest distances beyond twice the radius between distinct rows of (up
     * to {@value #CALIBRATION_ROWS} of) the sample (closer pairs may be the copies sought), a
     * correlation dimension (Grassberger and Procaccia 1983: the pairs within {@code r} grow as {@code
     * r^dim}) extrapolates how many rows of the whole dataset have a neighbour within a radius, and the
     * radius is capped so that at most {@code naturalShare} of the rows would ({@code
     * scan.detectors.duplicates.max-natural-share}, 0.0001). On 30 informative
     * features this keeps 0.01; on 4 it is 0.0006 at 1,000,000 rows (there, rows 0.01 apart are common
     * and copies jittered that far cannot be told from them).
     *
     * <p>Its key uses the fewest directions (8 to 16) with which a distinct row of the sample shares its
     * bucket with at most {@value #TARGET_BUCKET_MATES} other distinct rows on average, scaled to the
     * dataset's size (the grouping's comparisons per row; 16 when none does: data with few effective
     * dimensions, where the grouping's bucket cap applies).
     */
    public static NearDuplicateHash fit(List<double[]> zSample, int dims, double radius, double naturalShare, long expectedRows) {
        Calibration c = calibrate(zSample, radius, naturalShare, expectedRows);
        // The directions do not depend on how many of them a key uses: the sample is projected once.
        NearDuplicateHash h = new NearDuplicateHash(c.radius, dims, DIRECTIONS, Double.NaN, radius, c.dimension);
        List<double[]> projected = new ArrayList<>(zSample.size());
        boolean[] distinct = new boolean[zSample.size()];
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < zSample.size(); i++) {
            double[] p = new double[DIRECTIONS];
            h.project(zSample.get(i), p);
            projected.add(p);
            distinct[i] = seen.add(DuplicateKeys.exactKey(zSample.get(i))[0]);
        }
        for (int k = MIN_KEY_DIRECTIONS; k <= DIRECTIONS; k++) {
            h = new NearDuplicateHash(c.radius, dims, k, Double.NaN, radius, c.dimension);
            if (zSample.isEmpty() || h.bucketMates(projected, distinct, seen.size()) * expectedRows / zSample.size() <= TARGET_BUCKET_MATES) {
                break;
            }
        }
        return new NearDuplicateHash(c.radius, dims, h.keyDirections, h.meanBuckets(projected), radius, c.dimension);
    }

    /** Rows of the sample whose pairwise distances calibrate the radius. */
    static final int CALIBRATION_ROWS = 2000;
    /** Distance products (pairs x features) the calibration computes at most. */
    private static final double CALIBRATION_WORK = 6e7;

    private record Calibration(double radius, double dimension) {}

    private static Calibration calibrate(List<double[]> zSample, double radius, double naturalShare, long expectedRows) {
        List<double[]> rows = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        int dims = zSample.isEmpty() ? 1 : zSample.get(0).length;
        int max = (int) Math.min(CALIBRATION_ROWS, Math.sqrt(2 * CALIBRATION_WORK / Math.max(1, dims)));
        for (double[] z : zSample) {
            if (rows.size() < max && seen.add(DuplicateKeys.exactKey(z)[0])) {
                rows.add(z);
            }
        }
        if (rows.size() < 100) {
            return new Calibration(radius, Double.NaN); // too few rows to tell; small data has few natural neighbours
        }
        // The 100 smallest root mean square distances between distinct rows beyond twice the radius:
        // closer pairs may be the very copies the detector is after, so they tell nothing of the
        // data's own density.
        double floor = 2 * radius;
        long within2 = 0; // pairs in (floor, 2 floor]
        long within4 = 0; // pairs in (floor, 4 floor]
        PriorityQueue<Double> smallest = new PriorityQueue<>(101, java.util.Comparator.reverseOrder());
        for (int i = 1; i < rows.size(); i++) {
            double[] a = rows.get(i);
            for (int j = 0; j < i; j++) {
                double[] b = rows.get(j);
                double sum = 0;
                for (int f = 0; f < dims; f++) {
                    double d = a[f] - b[f];
                    sum += d * d;
                }
                double rms = Math.sqrt(sum / dims);
                if (rms <= floor) {
                    continue;
                }
                within2 += rms <= 2 * floor ? 1 : 0;
                within4 += rms <= 4 * floor ? 1 : 0;
                if (smallest.size() < 100) {
                    smallest.add(rms);
                } else if (rms < smallest.peek()) {
                    smallest.poll();
                    smallest.add(rms);
                }
            }
        }
        double m = rows.size();
        // Of the dataset's n rows, about 2 x pairs(r) x n^2 / m^2 have a neighbour within r, where
        // pairs(r) = A r^dim counts the sample's; at most naturalShare x n of them may.
        double allowedPairs = naturalShare * m * m / (2.0 * Math.max(1, expectedRows));
        double dimension;
        double cap;
        if (within2 >= 20 && within4 >= 100 && within4 > 2 * within2) {
            // Dense at this scale: A floor^dim (2^dim - 1) and A floor^dim (4^dim - 1) pairs, whose
            // ratio is 2^dim + 1.
            dimension = Math.log((double) within4 / within2 - 1) / Math.log(2);
            double atFloor = within2 / (Math.pow(2, dimension) - 1); // A floor^dim
            cap = floor * Math.pow(allowedPairs / atFloor, 1 / dimension);
        } else if (smallest.size() == 100) {
            // Sparse: the 10th and 100th smallest distances beyond the floor, ra and rb, hold 10 and 100
            // pairs: A (ra^dim - floor^dim) = 10, A (rb^dim - floor^dim) = 100.
            double[] d = smallest.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double ra = d[9];
            double rb = d[99];
            dimension = dimension(floor, ra, rb);
            cap = Math.pow(allowedPairs * (Math.pow(rb, dimension) - Math.pow(floor, dimension)) / 100, 1 / dimension);
        } else {
            return new Calibration(radius, Double.NaN);
        }
        if (!(dimension > 0) || Double.isInfinite(dimension) || Double.isNaN(cap)) {
            return new Calibration(radius, Double.NaN);
        }
        return new Calibration(Math.min(radius, cap), dimension);
    }

    /**
     * The dim with (rb^dim - t^dim) / (ra^dim - t^dim) = 10 (t < ra < rb): bisection on the ratio,
     * which rises with dim; the plain log(10) / log(rb / ra) when t is 0.
     */
    static double dimension(double t, double ra, double rb) {
        if (!(ra > t) || !(rb > ra)) {
            return Double.NaN;
        }
        double lo = 1e-3;
        double hi = 1e3;
        for (int i = 0; i < 200; i++) {
            double mid = Math.sqrt(lo * hi);
            // (rb^d - t^d) / (ra^d - t^d), divided through by ra^d to stay finite.
            double ratio = (Math.pow(rb / ra, mid) - Math.pow(t / ra, mid)) / (1 - Math.pow(t / ra, mid));
            if (ratio < 10) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.sqrt(lo * hi);
    }

    /** Other distinct rows of the sample a distinct row shares its home bucket with, on average (projected rows). */
    private double bucketMates(List<double[]> projected, boolean[] distinct, int distinctRows) {
        Map<Long, Integer> counts = new HashMap<>();
        long[] b = new long[1 << MAX_FLIPS];
        for (int i = 0; i < projected.size(); i++) {
            if (distinct[i]) {
                buckets(projected.get(i), b);
                counts.merge(b[0], 1, Integer::sum);
            }
        }
        double pairs = 0;
        for (int c : counts.values()) {
            pairs += (double) c * (c - 1);
        }
        return pairs / Math.max(1, distinctRows);
    }

    /** Buckets per row of the projected sample rows; NaN for none. */
    private double meanBuckets(List<double[]> projected) {
        if (projected.isEmpty()) {
            return Double.NaN;
        }
        long[] b = new long[1 << MAX_FLIPS];
        long total = 0;
        for (double[] p : projected) {
            total += buckets(p, b);
        }
        return (double) total / projected.size();
    }

    /** Writes the row's projections on the {@link #DIRECTIONS} directions into {@code p}. */
    public void project(double[] z, double[] p) {
        for (int i = 0; i < DIRECTIONS; i++) {
            double[] a = directions[i];
            double s = 0;
            for (int j = 0; j < dims; j++) {
                s += a[j] * z[j];
            }
            p[i] = s;
        }
    }

    /**
     * Writes the keys of the buckets a row with projections {@code p} goes to into {@code out} (length
     * at least 2^{@value #MAX_FLIPS}), its own bucket first; returns how many.
     */
    public int buckets(double[] p, long[] out) {
        long[] cell = new long[keyDirections];
        long[] across = new long[keyDirections];
        double[] distance = new double[keyDirections];
        int[] near = new int[keyDirections];
        int candidates = 0;
        for (int i = 0; i < keyDirections; i++) {
            double u = (p[i] + offsets[i]) / width;
            double c = Math.floor(u);
            cell[i] = (long) c;
            double below = (u - c) * width;
            double above = width - below;
            distance[i] = Math.min(below, above);
            across[i] = below < above ? cell[i] - 1 : cell[i] + 1;
            if (distance[i] < margin) {
                near[candidates++] = i;
            }
        }
        // The MAX_FLIPS nearest borders first (a partial selection sort of a few entries).
        int flips = Math.min(candidates, MAX_FLIPS);
        for (int f = 0; f < flips; f++) {
            int best = f;
            for (int g = f + 1; g < candidates; g++) {
                if (distance[near[g]] < distance[near[best]]) {
                    best = g;
                }
            }
            int t = near[f];
            near[f] = near[best];
            near[best] = t;
        }
        int n = 1 << flips;
        long[] probe = cell.clone();
        for (int mask = 0; mask < n; mask++) {
            for (int f = 0; f < flips; f++) {
                int i = near[f];
                probe[i] = (mask & (1 << f)) != 0 ? across[i] : cell[i];
            }
            out[mask] = key(probe);
        }
        return n;
    }

    private static long key(long[] cell) {
        long h = 0x9e3779b97f4a7c15L * (cell.length + 1);
        for (long c : cell) {
            h = mix(h ^ c) * 0x9e3779b97f4a7c15L;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Writes the sketch of a row with projections {@code p} into {@code out[at .. at + 16)}. */
    public void sketch(double[] p, byte[] out, int at) {
        for (int i = 0; i < DIRECTIONS; i++) {
            out[at + i] = (byte) Math.round(p[i] / step);
        }
    }

    /** True when the rows whose sketches start at {@code a[ai]} and {@code b[bi]} are within the radius. */
    public static boolean near(byte[] a, int ai, byte[] b, int bi) {
        int sum = 0;
        for (int i = 0; i < DIRECTIONS; i++) {
            int d = (byte) (a[ai + i] - b[bi + i]); // modulo 256, as the sketch stores it
            sum += d * d;
        }
        // radius = 4 steps: a mean square of at most 16 steps^2 over the 16 directions.
        return sum <= 16 * DIRECTIONS;
    }

    /** The radius rows are compared with: the configured one, or less on dense data ({@link #fit}). */
    public double radius() {
        return radius;
    }

    /** The configured radius ({@code scan.detectors.duplicates.radius}). */
    public double configuredRadius() {
        return configuredRadius;
    }

    /** The sample's correlation dimension {@link #fit} estimated (NaN when it could not). */
    public double dimension() {
        return dimension;
    }

    /** Directions a bucket key uses. */
    public int keyDirections() {
        return keyDirections;
    }

    /** Buckets per row on the sample {@link #fit} saw (NaN without one). */
    public double meanBuckets() {
        return meanBuckets;
    }
}
