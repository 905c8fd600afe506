package io.modelwarden.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.serving.StatefulKnnDetector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ColumnDistancesTest {
    /** The definition, row by row. */
    private static int[] reference(byte[] q, byte[] columns, int stride, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < q.length; j++) {
                int a = q[j] - columns[j * stride + i];
                out[i] += a * a;
            }
        }
        return out;
    }

    private static void assertAgreesWithTheDefinition(ColumnDistances impl) {
        SplittableRandom r = new SplittableRandom(11);
        for (int dims : new int[] {1, 3, 8, 30}) {
            for (int n : new int[] {0, 1, 7, 8, 9, 31, 500}) {
                int stride = n + r.nextInt(3) + (r.nextBoolean() ? 0 : 24); // a ring with room beyond n, too
                byte[] columns = new byte[dims * stride];
                byte[] q = new byte[dims];
                for (int i = 0; i < columns.length; i++) {
                    columns[i] = (byte) (r.nextInt(10) == 0 ? (r.nextBoolean() ? 127 : -127) : r.nextInt(-127, 128));
                }
                for (int j = 0; j < dims; j++) {
                    q[j] = (byte) (r.nextBoolean() ? 127 : -127); // the largest differences: 254^2 x 30 must not overflow
                }
                int[] out = new int[stride + 5];
                java.util.Arrays.fill(out, -1); // garbage from an earlier call
                impl.distancesSq(q, columns, stride, n, out, new int[stride]);
                assertThat(java.util.Arrays.copyOf(out, n)).as("%s d=%d n=%d", impl.name(), dims, n).isEqualTo(reference(q, columns, stride, n));
                assertThat(out[stride]).isEqualTo(-1); // nothing written past the stride
            }
        }
    }

    /** The definition of the nearest decoded vector, row by row, each sum in feature order. */
    private static double referenceNearest(double[] x, double quantum, byte[] columns, int offset, int stride, int n) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < x.length; j++) {
                double a = x[j] - columns[offset + j * stride + i] * quantum;
                sum += a * a;
            }
            best = Math.min(best, sum);
        }
        return best;
    }

    private static void assertNearestIsTheDefinitionToTheBit(ColumnDistances impl) {
        SplittableRandom r = new SplittableRandom(12);
        for (int dims : new int[] {1, 3, 8, 30}) {
            for (int n : new int[] {0, 1, 7, 8, 9, 31, 64}) {
                int stride = n + r.nextInt(3) + (r.nextBoolean() ? 0 : 24); // a ring with room beyond n, too
                int offset = r.nextInt(2) * dims * stride; // a second class slot's block
                byte[] columns = new byte[offset + dims * stride];
                for (int i = 0; i < columns.length; i++) {
                    columns[i] = (byte) r.nextInt(-127, 128);
                }
                for (int trial = 0; trial < 20; trial++) {
                    double[] x = new double[dims];
                    for (int j = 0; j < dims; j++) {
                        x[j] = r.nextDouble(-9, 9) / (trial % 2 == 0 ? 1 : 3.7); // not multiples of the quantum
                    }
                    double[] sums = new double[stride];
                    double got = impl.nearestSq(x, 1.0 / 16, columns, offset, stride, n, sums, new double[stride]);
                    assertThat(Double.doubleToLongBits(got)).as("%s d=%d n=%d", impl.name(), dims, n)
                            .isEqualTo(Double.doubleToLongBits(referenceNearest(x, 1.0 / 16, columns, offset, stride, n)));
                }
            }
        }
    }

    private static void assertDotsAndDistancesAreTheDefinitionToTheBit(ColumnDistances impl) {
        SplittableRandom r = new SplittableRandom(13);
        for (int dims : new int[] {1, 3, 8, 30}) {
            for (int n : new int[] {0, 1, 7, 8, 9, 31, 50}) {
                int stride = n + r.nextInt(3) + (r.nextBoolean() ? 0 : 24); // a ring with room beyond n, too
                float[] columns = new float[dims * stride];
                for (int i = 0; i < columns.length; i++) {
                    columns[i] = (float) r.nextDouble(-6, 6);
                }
                double[] z = new double[dims];
                for (int j = 0; j < dims; j++) {
                    z[j] = r.nextDouble(-6, 6);
                }
                double[] dots = new double[stride];
                double[] d2 = new double[stride];
                impl.dotsAndDistancesSq(z, columns, stride, n, dots, d2, new double[stride]);
                for (int i = 0; i < n; i++) {
                    double dot = 0;
                    double sq = 0;
                    for (int j = 0; j < dims; j++) {
                        double v = columns[j * stride + i];
                        dot += v * z[j];
                        double a = v - z[j];
                        sq += a * a;
                    }
                    assertThat(Double.doubleToLongBits(dots[i])).as("%s dot d=%d n=%d i=%d", impl.name(), dims, n, i).isEqualTo(Double.doubleToLongBits(dot));
                    assertThat(Double.doubleToLongBits(d2[i])).as("%s d2 d=%d n=%d i=%d", impl.name(), dims, n, i).isEqualTo(Double.doubleToLongBits(sq));
                }
            }
        }
    }

    /** Float distances to a leaf block at an offset: each sum in floats, in feature order. */
    private static void assertFloatDistancesAreTheDefinitionToTheBit(ColumnDistances impl) {
        SplittableRandom r = new SplittableRandom(14);
        for (int dims : new int[] {1, 3, 8, 30}) {
            for (int n : new int[] {0, 1, 7, 8, 9, 16, 31, 50}) {
                int stride = (n + 7) & -8; // the label-flip detector's leaf blocks: n rounded up to 8 slots
                int offset = r.nextInt(5);
                float[] columns = new float[offset + dims * stride + 3];
                for (int i = 0; i < columns.length; i++) {
                    columns[i] = (float) r.nextDouble(-6, 6);
                }
                float[] q = new float[dims];
                for (int j = 0; j < dims; j++) {
                    q[j] = (float) r.nextDouble(-6, 6);
                }
                float[] out = new float[Math.max(n, stride)];
                java.util.Arrays.fill(out, -1f); // garbage from an earlier call
                impl.distancesSq(q, columns, offset, stride, n, out);
                for (int i = 0; i < n; i++) {
                    float sq = 0;
                    for (int j = 0; j < dims; j++) {
                        float a = columns[offset + j * stride + i] - q[j];
                        sq += a * a;
                    }
                    assertThat(Float.floatToIntBits(out[i])).as("%s float d2 d=%d n=%d i=%d", impl.name(), dims, n, i).isEqualTo(Float.floatToIntBits(sq));
                }
            }
        }
    }

    @Test
    void scalarDistancesAreTheDefinition() {
        assertFloatDistancesAreTheDefinitionToTheBit(new ColumnDistances.Scalar());
        assertDotsAndDistancesAreTheDefinitionToTheBit(new ColumnDistances.Scalar());
        assertAgreesWithTheDefinition(new ColumnDistances.Scalar());
        assertNearestIsTheDefinitionToTheBit(new ColumnDistances.Scalar());
    }

    @Test
    void vectorDistancesEqualTheScalarOnesOrTheScalarOnesAreUsed() {
        // The tests run with --add-modules=jdk.incubator.vector (as bin/warden and the shipped Flink configuration).
        VectorColumnDistances vector;
        try {
            vector = new VectorColumnDistances();
        } catch (UnsupportedOperationException narrowVectors) {
            assertThat(ColumnDistances.get().name()).isEqualTo("scalar");
            return;
        }
        assertAgreesWithTheDefinition(vector);
        assertNearestIsTheDefinitionToTheBit(vector);
        assertDotsAndDistancesAreTheDefinitionToTheBit(vector);
        assertFloatDistancesAreTheDefinitionToTheBit(vector);
        assertThat(ColumnDistances.get().name()).isEqualTo("vector-api");
        assertThat(StatefulKnnDetector.distanceKernel()).isEqualTo("vector-api");
    }
}
