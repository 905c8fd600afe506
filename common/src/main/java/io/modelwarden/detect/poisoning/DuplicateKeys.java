package io.modelwarden.detect.poisoning;

import io.modelwarden.stats.Hashing;
import java.util.HexFormat;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * Row keys: the exact key of duplicate detection (B3), which tells exact copies apart within a {@link
 * NearDuplicateHash} bucket, and the grid cell of the training-row fingerprints (S6). Both keys are
 * 128-bit MurmurHash3 values
 * ({@code long[2]}: hi, lo); at 128 bits an accidental collision among 10^12 rows has probability
 * below 10^-14, so a shared key is treated as a shared value.
 */
public final class DuplicateKeys {
    /** Hash seed of near keys (quantised z-scores). */
    static final long NEAR_SEED = 0x6e656172L;
    /** Hash seed of exact keys (raw feature bits). */
    static final long EXACT_SEED = 0x65786163L;
    /** Quantised value that stands for NaN, so that NaN never collides with a real cell. */
    static final long NAN_CELL = Long.MIN_VALUE;
    /** Canonical bit pattern of every NaN. */
    private static final long CANONICAL_NAN_BITS = Double.doubleToLongBits(Double.NaN);

    private DuplicateKeys() {}

    /**
     * Key of the grid cell the row falls in: each z-score rounded to a multiple of {@code resolution}
     * standard deviations: the training-row fingerprints' cell. Rows within {@code resolution / 2} of
     * each other on every feature usually share a key; two near rows that straddle a cell border do not
     * (why duplicate detection uses {@link NearDuplicateHash} instead).
     *
     * @param z the row's z-scored features
     * @param resolution cell width in standard deviations, > 0
     */
    public static long[] nearKey(double[] z, double resolution) {
        long[] cells = new long[z.length];
        quantise(z, resolution, cells);
        return MurmurHash3.hash(cells, NEAR_SEED);
    }

    /** Writes the grid cells of z into {@code cells} (same length); shared with the fingerprints. */
    static void quantise(double[] z, double resolution, long[] cells) {
        for (int j = 0; j < z.length; j++) {
            double v = z[j];
            // Math.round maps NaN to 0 and saturates infinities; NaN gets its own cell instead.
            cells[j] = Double.isNaN(v) ? NAN_CELL : Math.round(v / resolution);
        }
    }

    /**
     * Key of the exact feature values: -0.0 counts as 0.0 and every NaN as the canonical NaN, so
     * copies that differ only in those bit patterns (a parser artefact) still match.
     */
    public static long[] exactKey(double[] rawFeatures) {
        long[] bits = new long[rawFeatures.length];
        for (int j = 0; j < rawFeatures.length; j++) {
            double v = rawFeatures[j];
            if (Double.isNaN(v)) {
                bits[j] = CANONICAL_NAN_BITS;
            } else if (v == 0.0) {
                bits[j] = 0L; // +0.0 and -0.0 compare equal; keep one bit pattern
            } else {
                bits[j] = Double.doubleToRawLongBits(v);
            }
        }
        return MurmurHash3.hash(bits, EXACT_SEED);
    }

    /**
     * {@link #exactKey(double[])} of a row that also has category values ({@link #categoryHash} of
     * them): rows are exact copies only when these are equal too (the same numbers at another merchant
     * are no copy). With a hash of 0 (no category values) the key is the features' alone.
     */
    public static long[] exactKey(double[] rawFeatures, long categoryHash) {
        long[] key = exactKey(rawFeatures);
        long c = categoryHash;
        if (c != 0) {
            key[0] ^= c;
            key[1] ^= Hashing.mix64(c);
        }
        return key;
    }

    /**
     * A 64-bit hash of a row's values in the given category columns (a missing one distinct from every
     * text), 0 when there are none: the scan adds it to each near-duplicate bucket, so that only rows
     * with equal category values are compared. It lists every category column but the identifying ones
     * ({@link io.modelwarden.stats.CategoryCounts#identifying()}).
     */
    public static long categoryHash(String[] categories, int[] columns) {
        if (categories == null || columns.length == 0) {
            return 0;
        }
        long h = EXACT_SEED;
        for (int j : columns) {
            h = mixCategory(h, categories[j]);
        }
        return h == 0 ? 1 : h;
    }

    private static long mixCategory(long h, String v) {
        return Hashing.mix64(h ^ (v == null ? NAN_CELL : Hashing.hash64(v)));
    }

    /** 32 hex digits of a 128-bit key, hi first. */
    public static String hex(long hi, long lo) {
        HexFormat f = HexFormat.of();
        return f.toHexDigits(hi) + f.toHexDigits(lo);
    }
}
