package io.modelwarden.detect;

import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ColumnDistances} with the Vector API (incubating in JDK 17): per feature column, 8 stored values
 * at a time are loaded, widened (to 8 ints, or to two vectors of 4 doubles), and their squared
 * differences from the query's value added to the running sums. Loaded only by name, when the JVM has
 * the {@code jdk.incubator.vector} module; refuses (and the scalar implementation is used) on a CPU whose
 * preferred vectors are narrower than 256 bits, where these species would be emulated.
 *
 * <p>The loop bodies are straight-line on purpose: C2 keeps vectors in registers only while no vector
 * value passes through a merge (a conditional, or a loop over parts); one that does is boxed, and the
 * operations on it fall back to Java code some 10x slower (seen in profiles as
 * {@code VectorPayload.getPayload} and {@code lanewiseTemplate}). For the same reason the vector loop
 * runs whenever there is anything to compute: n is rounded up to a whole step within the stride (the
 * extra lanes read stored slots past n and write scratch past n, results nobody reads), so that a short
 * ring (a PRADA growing set of a few vectors, say) does not leave the loop cold in C2's profile, which
 * then compiles it as an uncommon trap and runs it in the interpreter when it is reached.
 */
final class VectorColumnDistances extends ColumnDistances {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    /** Values per step: 8 bytes (or floats), 8 ints, two vectors of 4 doubles. */
    private static final int STEP = 8;

    /** Slots the vector loop covers: n rounded up to a whole step, within the stride's whole steps. */
    private static int bulk(int n, int stride) {
        return Math.min((n + STEP - 1) & -STEP, stride & -STEP);
    }

    public VectorColumnDistances() {
        if (IntVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            throw new UnsupportedOperationException("preferred vectors of " + IntVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        }
    }

    @Override
    public String name() {
        return "vector-api";
    }

    @Override
    public void distancesSq(byte[] q, byte[] columns, int stride, int n, int[] out, int[] scratch) {
        int bulk = bulk(n, stride);
        Arrays.fill(out, 0, Math.max(n, bulk), 0);
        for (int j = 0; j < q.length; j++) {
            int qj = q[j];
            int base = j * stride;
            int i = 0;
            for (; i < bulk; i += STEP) {
                IntVector a = ((IntVector) ByteVector.fromArray(BYTES, columns, base + i).convertShape(VectorOperators.B2I, INTS, 0)).sub(qj);
                IntVector.fromArray(INTS, out, i).add(a.mul(a)).intoArray(out, i);
            }
            for (; i < n; i++) {
                int a = columns[base + i] - qj;
                out[i] += a * a;
            }
        }
    }

    @Override
    public double nearestSq(double[] x, double quantum, byte[] columns, int offset, int stride, int n, double[] sums, double[] scratch) {
        int bulk = bulk(n, stride);
        Arrays.fill(sums, 0, Math.max(n, bulk), 0.0);
        for (int j = 0; j < x.length; j++) {
            double xj = x[j];
            DoubleVector xv = DoubleVector.broadcast(DOUBLES, xj);
            int base = offset + j * stride;
            int i = 0;
            for (; i < bulk; i += STEP) {
                ByteVector codes = ByteVector.fromArray(BYTES, columns, base + i);
                DoubleVector lo = xv.sub(((DoubleVector) codes.convertShape(VectorOperators.B2D, DOUBLES, 0)).mul(quantum));
                DoubleVector hi = xv.sub(((DoubleVector) codes.convertShape(VectorOperators.B2D, DOUBLES, 1)).mul(quantum));
                DoubleVector.fromArray(DOUBLES, sums, i).add(lo.mul(lo)).intoArray(sums, i);
                DoubleVector.fromArray(DOUBLES, sums, i + 4).add(hi.mul(hi)).intoArray(sums, i + 4);
            }
            for (; i < n; i++) {
                double a = xj - columns[base + i] * quantum;
                sums[i] += a * a;
            }
        }
        return min(sums, n);
    }

    @Override
    public void distancesSq(float[] q, float[] columns, int offset, int stride, int n, float[] out) {
        int bulk = bulk(n, stride);
        Arrays.fill(out, 0, Math.max(n, bulk), 0f);
        for (int j = 0; j < q.length; j++) {
            float qj = q[j];
            int base = offset + j * stride;
            int i = 0;
            for (; i < bulk; i += STEP) {
                FloatVector a = FloatVector.fromArray(FLOATS, columns, base + i).sub(qj);
                FloatVector.fromArray(FLOATS, out, i).add(a.mul(a)).intoArray(out, i);
            }
            for (; i < n; i++) {
                float a = columns[base + i] - qj;
                out[i] += a * a;
            }
        }
    }

    @Override
    public void dotsAndDistancesSq(double[] z, float[] columns, int stride, int n, double[] dots, double[] distancesSq, double[] scratch) {
        int bulk = bulk(n, stride);
        Arrays.fill(dots, 0, Math.max(n, bulk), 0.0);
        Arrays.fill(distancesSq, 0, Math.max(n, bulk), 0.0);
        for (int j = 0; j < z.length; j++) {
            double zj = z[j];
            int base = j * stride;
            int i = 0;
            for (; i < bulk; i += STEP) {
                FloatVector stored = FloatVector.fromArray(FLOATS, columns, base + i);
                DoubleVector lo = (DoubleVector) stored.convertShape(VectorOperators.F2D, DOUBLES, 0);
                DoubleVector hi = (DoubleVector) stored.convertShape(VectorOperators.F2D, DOUBLES, 1);
                DoubleVector.fromArray(DOUBLES, dots, i).add(lo.mul(zj)).intoArray(dots, i);
                DoubleVector.fromArray(DOUBLES, dots, i + 4).add(hi.mul(zj)).intoArray(dots, i + 4);
                DoubleVector a = lo.sub(zj);
                DoubleVector b = hi.sub(zj);
                DoubleVector.fromArray(DOUBLES, distancesSq, i).add(a.mul(a)).intoArray(distancesSq, i);
                DoubleVector.fromArray(DOUBLES, distancesSq, i + 4).add(b.mul(b)).intoArray(distancesSq, i + 4);
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
