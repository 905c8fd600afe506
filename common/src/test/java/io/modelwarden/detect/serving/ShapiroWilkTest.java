package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reference values from scipy 1.10.1 {@code scipy.stats.shapiro} (which wraps the AS R94 Fortran in
 * single precision). Tolerance: |W - W_scipy| <= 1e-4 and the p-value within 1% relative (or 1e-4
 * absolute), the float32 noise of the reference. Data are reproducible formulas so that Python and Java
 * see the same numbers: u_i = frac(i * 0.618034 + 0.1234), i = 1..n, mapped to the named shape.
 */
class ShapiroWilkTest {
    private static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

    static double[] generate(String kind, int n) {
        double[] x = new double[n];
        for (int k = 0; k < n; k++) {
            int i = k + 1;
            double u = (i * GOLDEN + 0.1234) % 1.0;
            x[k] = switch (kind) {
                case "uniform" -> u;
                case "normal" -> ShapiroWilk.normalQuantile(u);
                case "exp" -> -Math.log(1 - u);
                case "bimodal" -> (k % 2 == 0 ? 0 : 4) + ShapiroWilk.normalQuantile(u);
                default -> throw new IllegalArgumentException(kind);
            };
        }
        return x;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @CsvSource({
        "uniform, 50, 0.9552122354507446, 0.05606318637728691",
        "normal, 20, 0.9951345920562744, 0.9999933838844299",
        "normal, 300, 0.9990960359573364, 0.999944806098938",
        "exp, 100, 0.844671368598938, 7.574336713389584e-09",
        "exp, 1000, 0.8181201219558716, 3.7827346496007794e-32",
        "bimodal, 500, 0.9472309350967407, 2.3471517698187006e-12",
        "normal, 5000, 0.9999670386314392, 1.0",
        "exp, 4, 0.843886137008667, 0.20697206258773804",
        "normal, 7, 0.9673439860343933, 0.8786877393722534",
        "uniform, 12, 0.9745897650718689, 0.9524668455123901",
    })
    void matchesScipy(String kind, int n, double w, double p) {
        ShapiroWilk.Result r = ShapiroWilk.test(generate(kind, n));
        assertThat(r.w()).isCloseTo(w, within(1e-4));
        assertThat(r.pValue()).isCloseTo(p, within(Math.max(1e-4, 0.01 * p)));
    }

    @Test
    void literalSmallSamplesMatchScipy() {
        ShapiroWilk.Result r3 = ShapiroWilk.test(new double[] {1.0, 2.0, 4.0});
        assertThat(r3.w()).isCloseTo(0.9642857313156128, within(1e-6));
        assertThat(r3.pValue()).isCloseTo(0.6368856430053711, within(1e-4));
        ShapiroWilk.Result r5 = ShapiroWilk.test(new double[] {2.1, 3.4, 1.9, 5.6, 4.4});
        assertThat(r5.w()).isCloseTo(0.9320847988128662, within(1e-5));
        assertThat(r5.pValue()).isCloseTo(0.6106548309326172, within(1e-3));
    }

    @Test
    void coefficientsAreAntisymmetricWithUnitNorm() {
        for (int n : new int[] {3, 4, 6, 11, 12, 101, 5000}) {
            double[] a = ShapiroWilk.coefficients(n);
            double ss = 0;
            for (int i = 0; i < n; i++) {
                assertThat(a[i]).isCloseTo(-a[n - 1 - i], within(1e-12));
                ss += a[i] * a[i];
            }
            assertThat(ss).as("n=%d", n).isCloseTo(1.0, within(1e-3));
        }
    }

    @Test
    void rejectsOutOfRangeSizesAndConstants() {
        assertThatThrownBy(() -> ShapiroWilk.test(new double[2])).hasMessageContaining("3 <= n <= 5000");
        assertThatThrownBy(() -> ShapiroWilk.test(new double[5001])).hasMessageContaining("3 <= n <= 5000");
        assertThatThrownBy(() -> ShapiroWilk.test(new double[] {1, 1, 1})).hasMessageContaining("distinct");
    }
}
