package io.modelwarden.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunningMomentsTest {
    private static double[] values(long seed, int n, double offset, double scale) {
        Random r = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = offset + scale * r.nextGaussian() * (i % 97 == 0 ? 40 : 1);
        }
        return x;
    }

    /** The profile's case: the same values cut into parts at other places and merged in another order. */
    @Test
    void partsMergedInAnyOrderGiveTheSameBits() {
        double[] x = values(3, 200_000, 37.5, 12.25);
        RunningMoments one = new RunningMoments();
        for (double v : x) {
            one.add(v);
        }
        Random r = new Random(5);
        for (int trial = 0; trial < 10; trial++) {
            List<RunningMoments> parts = new ArrayList<>();
            List<Double> shuffled = new ArrayList<>();
            for (double v : x) {
                shuffled.add(v);
            }
            Collections.shuffle(shuffled, r);
            RunningMoments part = new RunningMoments();
            for (double v : shuffled) {
                part.add(v);
                if (r.nextInt(20_000) == 0) {
                    parts.add(part);
                    part = new RunningMoments();
                }
            }
            parts.add(part);
            Collections.shuffle(parts, r);
            RunningMoments merged = new RunningMoments();
            for (RunningMoments p : parts) {
                merged.merge(p);
            }
            assertThat(merged.count()).isEqualTo(one.count());
            assertThat(Double.doubleToLongBits(merged.mean())).isEqualTo(Double.doubleToLongBits(one.mean()));
            assertThat(Double.doubleToLongBits(merged.variance())).isEqualTo(Double.doubleToLongBits(one.variance()));
            assertThat(merged.min()).isEqualTo(one.min());
            assertThat(merged.max()).isEqualTo(one.max());
        }
    }

    /** Mean and variance against exact decimal arithmetic, also far from zero (where a naive sum of squares cancels). */
    @Test
    void meanAndVarianceAreAccurate() {
        for (double offset : new double[] {0, 1e3, 1e9}) {
            double[] x = values(7, 50_000, offset, 0.5);
            RunningMoments m = new RunningMoments();
            BigDecimal sum = BigDecimal.ZERO;
            for (double v : x) {
                m.add(v);
                sum = sum.add(new BigDecimal(v));
            }
            BigDecimal n = BigDecimal.valueOf(x.length);
            BigDecimal mean = sum.divide(n, MathContext.DECIMAL128);
            BigDecimal ss = BigDecimal.ZERO;
            for (double v : x) {
                BigDecimal d = new BigDecimal(v).subtract(mean);
                ss = ss.add(d.multiply(d));
            }
            double variance = ss.divide(n.subtract(BigDecimal.ONE), MathContext.DECIMAL128).doubleValue();
            assertThat(m.mean()).as("offset %s", offset).isCloseTo(mean.doubleValue(), within(Math.ulp(mean.doubleValue())));
            assertThat(m.variance()).as("offset %s", offset).isCloseTo(variance, within(variance * 1e-12));
        }
    }

    @Test
    void edgeCases() {
        RunningMoments empty = new RunningMoments();
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.mean()).isZero();
        assertThat(empty.variance()).isZero();
        RunningMoments constant = new RunningMoments();
        for (int i = 0; i < 1000; i++) {
            constant.add(0.1);
        }
        assertThat(constant.mean()).isEqualTo(0.1);
        assertThat(constant.variance()).isZero();
        RunningMoments one = new RunningMoments();
        one.add(-4.0);
        assertThat(one.mean()).isEqualTo(-4.0);
        assertThat(one.variance()).isZero();
        assertThat(one.min()).isEqualTo(-4.0);
        assertThat(one.max()).isEqualTo(-4.0);
        one.merge(empty);
        assertThat(one.count()).isEqualTo(1);
    }
}
