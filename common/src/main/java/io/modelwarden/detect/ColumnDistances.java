package io.modelwarden.detect;

import java.util.Arrays;

/**
 * Distances between one query and many stored vectors laid out column-major (feature j of stored vector
 * i at {@code j * stride + i}), as the monitor's stateful kNN, PRADA and similarity cluster keep them
 * (int8 codes: {@link #distancesSq(byte[], byte[], int, int, int[], int[])}, {@link #nearestSq}; floats:
 * {@link #dotsAndDistancesSq}) and the scan's label-flip detector keeps its k-d tree leaves (floats:
 * {@link #distancesSq(float[], float[], int, int, int, float[])}). Every
 * implementation gives the same result to the bit: integer sums, and floating-point sums that each lane
 * adds in feature order, as the row-by-row loop does.
 *
 * <p>Two implementations, chosen once per JVM by {@link #get()}: one with the JDK's Vector API
 * ({@code jdk.incubator.vector}: 8 stored values widened per instruction), used when the JVM was started
 * with {@code --add-modules jdk.incubator.vector} (as {@code bin/warden}, {@code bin/bench} and the
 * shipped Flink configuration do) on a CPU with 256-bit vectors; and a plain-Java one otherwise. The
 * column-major layout is what makes both fast and keeps floating-point sums exact to the bit: per
 * feature, one pass over contiguous values with no reduction across lanes (each lane adds its own sum
 * in feature order, as a scalar loop would). JDK 17's auto-vectorizer widens no bytes or floats, so the
 * plain one widens a column into a scratch array first and then runs a loop it does vectorize. Figures
 * (single-thread detector costs of {@code bin/bench monitor-speed}, and the whole monitor) are in the
 * README, "Sizing".
 */
public abstract class ColumnDistances {
    private static final ColumnDistances CHOSEN = choose();

    /** The implementation this JVM uses. */
    public static ColumnDistances get() {
        return CHOSEN;
    }

    /** "vector-api" or "scalar", for the job's start-up log. */
    public abstract String name();

    /**
     * Fills {@code out[0..n)}; {@code out} and {@code scratch} have at least max(n, stride) elements (an
     * implementation may use {@code out} past n as scratch; the scalar one widens a column into
     * {@code scratch}).
     */
    public abstract void distancesSq(byte[] q, byte[] columns, int stride, int n, int[] out, int[] scratch);

    /**
     * The smallest squared L2 distance between a double query and n stored code vectors decoded
     * (code x quantum), column-major at {@code offset}: min over i in [0, n) of
     * {@code sum_j (x[j] - columns[offset + j * stride + i] * quantum)^2}, each sum added in feature
     * order as a scalar loop adds it, so that every implementation gives the same double. Infinity when n
     * is 0. {@code sums} and {@code scratch} have at least max(n, stride) elements.
     */
    public abstract double nearestSq(double[] x, double quantum, byte[] columns, int offset, int stride, int n, double[] sums, double[] scratch);

    /**
     * For a double query z and n stored float vectors (column-major): {@code dots[i] = sum_j v_ij z_j} and
     * {@code distancesSq[i] = sum_j (v_ij - z_j)^2}, each summed in feature order in doubles, for i in
     * [0, n). {@code dots}, {@code distancesSq} and {@code scratch} have at least max(n, stride) elements.
     */
    public abstract void dotsAndDistancesSq(double[] z, float[] columns, int stride, int n, double[] dots, double[] distancesSq, double[] scratch);

    /**
     * For a float query q and n stored float vectors column-major at {@code offset} (feature j of vector
     * i at {@code offset + j * stride + i}): {@code out[i] = sum_j (columns[...] - q[j])^2}, summed in
     * floats in feature order, for i in [0, n). {@code out} has at least max(n, stride) elements; the
     * stored block has {@code stride} slots per feature (an implementation may compute slots past n).
     */
    public abstract void distancesSq(float[] q, float[] columns, int offset, int stride, int n, float[] out);

    static double min(double[] a, int n) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (a[i] < best) {
                best = a[i];
            }
        }
        return best;
    }

    private static ColumnDistances choose() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                // By name, so that this class links without the module.
                ColumnDistances v = (ColumnDistances) Class.forName("io.modelwarden.detect.VectorColumnDistances")
                        .getDeclaredConstructor().newInstance();
                if (v.name() != null) {
                    return v;
                }
            } catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException e) {
                // the scalar implementation below
            }
        }
        return new Scalar();
    }

    public static final class Scalar extends ColumnDistances {
        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public void distancesSq(byte[] q, byte[] columns, int stride, int n, int[] out, int[] scratch) {
            Arrays.fill(out, 0, n, 0);
            for (int j = 0; j < q.length; j++) {
                int base = j * stride;
                for (int i = 0; i < n; i++) {
                    scratch[i] = columns[base + i];
                }
                int qj = q[j];
                for (int i = 0; i < n; i++) {
                    int a = scratch[i] - qj;
                    out[i] += a * a;
                }
            }
        }

        @Override
        public double nearestSq(double[] x, double quantum, byte[] columns, int offset, int stride, int n, double[] sums, double[] scratch) {
            Arrays.fill(sums, 0, n, 0.0);
            for (int j = 0; j < x.length; j++) {
                int base = offset + j * stride;
                for (int i = 0; i < n; i++) {
                    scratch[i] = columns[base + i];
                }
                double xj = x[j];
                for (int i = 0; i < n; i++) {
                    double a = xj - scratch[i] * quantum;
                    sums[i] += a * a;
                }
            }
            return min(sums, n);
        }

        @Override
        public void distancesSq(float[] q, float[] columns, int offset, int stride, int n, float[] out) {
            Arrays.fill(out, 0, n, 0f);
            for (int j = 0; j < q.length; j++) {
                int base = offset + j * stride;
                float qj = q[j];
                for (int i = 0; i < n; i++) {
                    float a = columns[base + i] - qj;
                    out[i] += a * a;
                }
            }
        }

        @Override
        public void dotsAndDistancesSq(double[] z, float[] columns, int stride, int n, double[] dots, double[] distancesSq, double[] scratch) {
            Arrays.fill(dots, 0, n, 0.0);
            Arrays.fill(distancesSq, 0, n, 0.0);
            for (int j = 0; j < z.length; j++) {
                int base = j * stride;
                for (int i = 0; i < n; i++) {
                    scratch[i] = columns[base + i];
                }
                double zj = z[j];
                for (int i = 0; i < n; i++) {
                    double v = scratch[i];
                    dots[i] += v * zj;
                    double a = v - zj;
                    distancesSq[i] += a * a;
                }
            }
        }
    }
}
