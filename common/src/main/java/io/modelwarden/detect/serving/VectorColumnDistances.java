package io.modelwarden.detect.serving;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ColumnDistances} with the Vector API (incubating in JDK 17): per feature column, 8 codes at a
 * time are loaded, widened to 8 ints, and their squared differences from the query's code added to the
 * running sums. Loaded only by name, when the JVM has the {@code jdk.incubator.vector} module; refuses
 * (and the scalar implementation is used) on a CPU whose preferred vectors are narrower than 256 bits,
 * where these species would be emulated.
 */
final class VectorColumnDistances extends ColumnDistances {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    /** 8 (512-bit vectors) or 4 doubles: the 8 codes of a byte vector in one or two parts. */
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** 8 floats, widened to doubles in one or two parts, as the codes. */
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;

    VectorColumnDistances() {
        if (IntVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            throw new UnsupportedOperationException("preferred vectors of " + IntVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        }
        if (BYTES.length() % DOUBLES.length() != 0) {
            throw new UnsupportedOperationException(DOUBLES.length() + " doubles per vector");
        }
    }

    @Override
    String name() {
        return "vector-api";
    }

    @Override
    void distancesSq(byte[] q, byte[] columns, int stride, int n, int[] out, int[] scratch) {
        int lanes = INTS.length();
        int bulk = n - n % lanes;
        if (q.length == 0) {
            java.util.Arrays.fill(out, 0, n, 0);
        }
        for (int j = 0; j < q.length; j++) {
            int qj = q[j];
            int base = j * stride;
            int i = 0;
            for (; i < bulk; i += lanes) {
                IntVector v = ((IntVector) ByteVector.fromArray(BYTES, columns, base + i).convertShape(VectorOperators.B2I, INTS, 0)).sub(qj);
                IntVector sq = v.mul(v);
                (j == 0 ? sq : IntVector.fromArray(INTS, out, i).add(sq)).intoArray(out, i);
            }
            for (; i < n; i++) {
                int a = columns[base + i] - qj;
                out[i] = (j == 0 ? 0 : out[i]) + a * a;
            }
        }
    }

    @Override
    double nearestSq(double[] x, double quantum, byte[] columns, int offset, int stride, int n, double[] sums, double[] scratch) {
        int step = BYTES.length();
        int lanes = DOUBLES.length();
        int bulk = n - n % step;
        java.util.Arrays.fill(sums, 0, n, 0.0);
        for (int j = 0; j < x.length; j++) {
            double xj = x[j];
            int base = offset + j * stride;
            int i = 0;
            for (; i < bulk; i += step) {
                ByteVector codes = ByteVector.fromArray(BYTES, columns, base + i);
                for (int part = 0; part * lanes < step; part++) {
                    DoubleVector decoded = ((DoubleVector) codes.convertShape(VectorOperators.B2D, DOUBLES, part)).mul(quantum);
                    DoubleVector a = DoubleVector.broadcast(DOUBLES, xj).sub(decoded);
                    int at = i + part * lanes;
                    DoubleVector.fromArray(DOUBLES, sums, at).add(a.mul(a)).intoArray(sums, at);
                }
            }
            for (; i < n; i++) {
                double a = xj - columns[base + i] * quantum;
                sums[i] += a * a;
            }
        }
        return min(sums, n);
    }

    @Override
    void dotsAndDistancesSq(double[] z, float[] columns, int stride, int n, double[] dots, double[] distancesSq, double[] scratch) {
        int step = FLOATS.length();
        int lanes = DOUBLES.length();
        int bulk = n - n % step;
        java.util.Arrays.fill(dots, 0, n, 0.0);
        java.util.Arrays.fill(distancesSq, 0, n, 0.0);
        for (int j = 0; j < z.length; j++) {
            double zj = z[j];
            DoubleVector zv = DoubleVector.broadcast(DOUBLES, zj);
            int base = j * stride;
            int i = 0;
            for (; i < bulk; i += step) {
                FloatVector stored = FloatVector.fromArray(FLOATS, columns, base + i);
                for (int part = 0; part * lanes < step; part++) {
                    DoubleVector v = (DoubleVector) stored.convertShape(VectorOperators.F2D, DOUBLES, part);
                    int at = i + part * lanes;
                    DoubleVector.fromArray(DOUBLES, dots, at).add(v.mul(zv)).intoArray(dots, at);
                    DoubleVector a = v.sub(zv);
                    DoubleVector.fromArray(DOUBLES, distancesSq, at).add(a.mul(a)).intoArray(distancesSq, at);
                }
            }
            for (; i < n; i++) {
                double v = columns[base + i];
                dots[i] += v * zj;
                double a = v - zj;
                distancesSq[i] += a * a;
            }
        }
    }
}
