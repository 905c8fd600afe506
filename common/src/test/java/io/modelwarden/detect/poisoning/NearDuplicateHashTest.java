package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NearDuplicateHashTest {
    private static final int D = 30;
    private static final double RADIUS = 0.01;
    private static final double SHARE = 1e-4;

    private static double[] gaussian(SplittableRandom r, int d, double sd) {
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = r.nextGaussian() * sd;
        }
        return x;
    }

    /** x plus a random offset whose root mean square over the features is exactly rms. */
    private static double[] at(SplittableRandom r, double[] x, double rms) {
        double[] e = gaussian(r, x.length, 1);
        double norm = 0;
        for (double v : e) {
            norm += v * v;
        }
        double scale = rms * Math.sqrt(x.length / norm);
        double[] y = x.clone();
        for (int j = 0; j < y.length; j++) {
            y[j] += e[j] * scale;
        }
        return y;
    }

    private record Hashed(Set<Long> buckets, long home, byte[] sketch) {}

    private static Hashed hash(NearDuplicateHash h, double[] z) {
        double[] p = new double[NearDuplicateHash.DIRECTIONS];
        long[] b = new long[1 << NearDuplicateHash.MAX_FLIPS];
        h.project(z, p);
        int n = h.buckets(p, b);
        assertThat(n).isBetween(1, 1 << NearDuplicateHash.MAX_FLIPS);
        Set<Long> set = new HashSet<>();
        for (int i = 0; i < n; i++) {
            set.add(b[i]);
        }
        assertThat(set).hasSize(n); // distinct buckets
        byte[] s = new byte[NearDuplicateHash.DIRECTIONS];
        h.sketch(p, s, 0);
        return new Hashed(set, b[0], s);
    }

    /** Share of pairs at this distance that some bucket holds together and the sketches call near. */
    private static double found(NearDuplicateHash h, double rms, int pairs, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int found = 0;
        for (int i = 0; i < pairs; i++) {
            double[] x = gaussian(r, D, 1);
            Hashed a = hash(h, x);
            Hashed b = hash(h, at(r, x, rms));
            // The scan compares two rows where one's home bucket is among the other's buckets, or they share one.
            Set<Long> common = new HashSet<>(a.buckets());
            common.retainAll(b.buckets());
            if (!common.isEmpty() && NearDuplicateHash.near(a.sketch(), 0, b.sketch(), 0)) {
                found++;
            }
        }
        return (double) found / pairs;
    }

    @Test
    void findsPairsWithinTheRadiusWhateverTheBucketBorders() {
        NearDuplicateHash h = NearDuplicateHash.of(RADIUS, D, 8);
        double exact = found(h, 0, 2_000, 1);
        double half = found(h, RADIUS / 2, 5_000, 2);
        double most = found(h, 0.7 * RADIUS, 5_000, 3);
        double twice = found(h, 2 * RADIUS, 5_000, 4);
        System.out.printf("pairs found: exact %.4f, radius/2 %.4f, 0.7 radius %.4f, 2 radii %.4f%n", exact, half, most, twice);
        assertThat(exact).isEqualTo(1.0);
        assertThat(half).isGreaterThanOrEqualTo(0.999);
        assertThat(most).isGreaterThanOrEqualTo(0.95);
        assertThat(twice).isLessThanOrEqualTo(0.01);
    }

    @Test
    void distinctRowsRarelyShareABucketAndNeverPassAsNear() {
        NearDuplicateHash h = NearDuplicateHash.of(RADIUS, D, 8);
        SplittableRandom r = new SplittableRandom(5);
        java.util.Map<Long, Integer> homes = new java.util.HashMap<>();
        List<byte[]> sketches = new ArrayList<>();
        long buckets = 0;
        int rows = 20_000;
        for (int i = 0; i < rows; i++) {
            Hashed x = hash(h, gaussian(r, D, 1));
            homes.merge(x.home(), 1, Integer::sum);
            sketches.add(x.sketch());
            buckets += x.buckets().size();
        }
        double perRow = (double) buckets / rows;
        int fullest = homes.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        System.out.printf("buckets per row %.3f, fullest home bucket %d of %d rows%n", perRow, fullest, rows);
        // (1 + 2 radius / 0.5)^8 = 1.37 expected; a row goes to at most 16.
        assertThat(perRow).isBetween(1.25, 1.5);
        assertThat(fullest).isLessThanOrEqualTo(5);
        int near = 0;
        for (int i = 1; i < sketches.size(); i++) {
            near += NearDuplicateHash.near(sketches.get(i - 1), 0, sketches.get(i), 0) ? 1 : 0;
        }
        assertThat(near).isZero();
    }

    @Test
    void fitKeepsTheRadiusOnWideDataAndShrinksItWhereRowsAreNaturallyThatClose() {
        SplittableRandom r = new SplittableRandom(6);
        int rows = 200_000;
        List<double[]> wide = new ArrayList<>();
        List<double[]> flat = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            if (i < 20_000) {
                wide.add(gaussian(r, D, 1));
            }
            double[] x = new double[D]; // two informative features, the rest constant
            x[0] = r.nextGaussian();
            x[1] = r.nextGaussian();
            flat.add(x);
        }
        NearDuplicateHash w = NearDuplicateHash.fit(wide, D, RADIUS, SHARE, 1_000_000);
        NearDuplicateHash f = NearDuplicateHash.fit(flat.subList(0, 20_000), D, RADIUS, SHARE, rows);
        System.out.printf("30 dimensions: radius %.5f, correlation dimension %.2f, %d directions, %.3f buckets per row;"
                + " 2 dimensions: radius %.6f, correlation dimension %.2f, %d directions, %.3f buckets per row%n",
                w.radius(), w.dimension(), w.keyDirections(), w.meanBuckets(), f.radius(), f.dimension(), f.keyDirections(), f.meanBuckets());
        assertThat(w.radius()).isEqualTo(RADIUS);
        assertThat(w.configuredRadius()).isEqualTo(RADIUS);
        assertThat(w.dimension()).isGreaterThan(10);
        assertThat(w.keyDirections()).isEqualTo(NearDuplicateHash.MIN_KEY_DIRECTIONS);
        assertThat(w.meanBuckets()).isBetween(1.25, 1.5);
        assertThat(f.dimension()).isBetween(1.5, 2.5);
        assertThat(f.radius()).isLessThan(RADIUS / 4);
        // Allowing 100 times the share allows a larger radius (for dim about 2, about 10 times).
        NearDuplicateHash lax = NearDuplicateHash.fit(flat.subList(0, 20_000), D, RADIUS, 100 * SHARE, rows);
        assertThat(lax.radius()).isBetween(3 * f.radius(), 30 * f.radius());

        // What the shrinking is for: rows of the flat data with another within the fitted radius (no copies
        // among them) are about SHARE of all, as the calibration extrapolated from its sample.
        Map<Long, List<Integer>> buckets = new HashMap<>();
        List<byte[]> sketches = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            Hashed h = hash(f, flat.get(i));
            sketches.add(h.sketch());
            for (long b : h.buckets()) {
                buckets.computeIfAbsent(b, k -> new ArrayList<>()).add(i);
            }
        }
        Set<Integer> withNeighbour = new HashSet<>();
        for (List<Integer> members : buckets.values()) {
            for (int a = 0; a < members.size(); a++) {
                for (int b = 0; b < a; b++) {
                    if (NearDuplicateHash.near(sketches.get(members.get(a)), 0, sketches.get(members.get(b)), 0)) {
                        withNeighbour.add(members.get(a));
                        withNeighbour.add(members.get(b));
                    }
                }
            }
        }
        System.out.printf("flat data: %d of %d rows have a neighbour within the fitted radius (target share %.4f)%n",
                withNeighbour.size(), rows, SHARE);
        assertThat(withNeighbour.size()).isLessThanOrEqualTo((int) (5 * SHARE * rows));
        // With the configured radius even unrelated rows (consecutive draws) pass as near duplicates.
        NearDuplicateHash unshrunk = NearDuplicateHash.of(RADIUS, D, 8);
        int near = 0;
        for (int i = 1; i < 20_000; i++) {
            near += NearDuplicateHash.near(hash(unshrunk, flat.get(i)).sketch(), 0, hash(unshrunk, flat.get(i - 1)).sketch(), 0) ? 1 : 0;
        }
        assertThat(near).isGreaterThan(0);
    }

    @Test
    void rejectsARadiusOutsideItsRange() {
        assertThatThrownBy(() -> NearDuplicateHash.of(0.2, D, 8)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("radius");
        assertThatThrownBy(() -> NearDuplicateHash.of(0, D, 8)).isInstanceOf(IllegalArgumentException.class);
    }
}
