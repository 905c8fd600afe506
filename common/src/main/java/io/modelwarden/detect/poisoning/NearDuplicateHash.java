package io.modelwarden.detect.poisoning;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * fewest that keep the buckets small on the data's sample, {@link #fit}) into buckets {@value #WIDTH}
 * standard deviations wide; a row within {@code radius} of a bucket border on a direction is also sent
 * to the bucket across it (at most {@value #MAX_FLIPS} borders, the nearest, so at most 16 buckets).
 * Of two rows on either side of a border, the nearer is within half their distance along the
 * direction of it, so they share a bucket when that distance is under {@code 2 x radius}, unless they
 * straddle two borders each nearer to a different one (rare: a border is straddled with probability
 * about 0.8 x distance / {@value #WIDTH}). Along a random unit direction the difference of two rows is
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
 * <p><b>Cost.</b> 16 dot products of d per row; about {@code (1 + 2 radius / 0.5)^k} buckets per row
 * (1.37 at the default radius and k = 8), each a record of the duplicate grouping's shuffle.
 */
public final class NearDuplicateHash implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Directions projected on; the sketch has one byte per direction. */
    public static final int DIRECTIONS = 16;
    /** Bucket width along a direction, in standard deviations. */
    public static final double WIDTH = 0.5;
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
    private final double[] offsets; // [DIRECTIONS], uniform in [0, WIDTH)
    private final double margin;
    private final double step;
    private final double meanBuckets;

    private NearDuplicateHash(double radius, int dims, int keyDirections, double meanBuckets) {
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
        this.step = radius / 4;
        this.meanBuckets = meanBuckets;
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
            offsets[i] = r.nextDouble() * WIDTH;
        }
    }

    /** A hash on {@code keyDirections} directions (tests; scans use {@link #fit}). */
    public static NearDuplicateHash of(double radius, int dims, int keyDirections) {
        return new NearDuplicateHash(radius, dims, keyDirections, Double.NaN);
    }

    /**
     * The hash for a dataset of {@code expectedRows} rows whose z-scored sample is {@code zSample}: the
     * fewest key directions (8 to 16) with which a distinct row of the sample shares its bucket with at
     * most {@value #TARGET_BUCKET_MATES} other distinct rows on average, scaled to the dataset's size
     * (the grouping's comparisons per row; 16 directions when none does: data with few effective
     * dimensions, where the grouping's bucket cap applies).
     */
    public static NearDuplicateHash fit(List<double[]> zSample, int dims, double radius, long expectedRows) {
        NearDuplicateHash h = null;
        for (int k = MIN_KEY_DIRECTIONS; k <= DIRECTIONS; k++) {
            h = new NearDuplicateHash(radius, dims, k, Double.NaN);
            if (zSample.isEmpty() || h.bucketMates(zSample) * expectedRows / zSample.size() <= TARGET_BUCKET_MATES) {
                break;
            }
        }
        return new NearDuplicateHash(radius, dims, h.keyDirections, h.meanBuckets(zSample));
    }

    /** Other distinct rows of the sample a distinct row shares its home bucket with, on average. */
    private double bucketMates(List<double[]> zSample) {
        Map<Long, Integer> counts = new HashMap<>();
        Set<Long> seen = new HashSet<>();
        double[] p = new double[DIRECTIONS];
        long[] b = new long[1 << MAX_FLIPS];
        for (double[] z : zSample) {
            if (seen.add(DuplicateKeys.exactKey(z)[0])) {
                project(z, p);
                buckets(p, b);
                counts.merge(b[0], 1, Integer::sum);
            }
        }
        double pairs = 0;
        for (int c : counts.values()) {
            pairs += (double) c * (c - 1);
        }
        return pairs / Math.max(1, seen.size());
    }

    private double meanBuckets(List<double[]> zSample) {
        if (zSample.isEmpty()) {
            return Double.NaN;
        }
        double[] p = new double[DIRECTIONS];
        long[] b = new long[1 << MAX_FLIPS];
        long total = 0;
        for (double[] z : zSample) {
            project(z, p);
            total += buckets(p, b);
        }
        return (double) total / zSample.size();
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
            double u = (p[i] + offsets[i]) / WIDTH;
            double c = Math.floor(u);
            cell[i] = (long) c;
            double below = (u - c) * WIDTH;
            double above = WIDTH - below;
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

    public double radius() {
        return radius;
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
