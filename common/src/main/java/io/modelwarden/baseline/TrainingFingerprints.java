package io.modelwarden.baseline;

import io.modelwarden.detect.poisoning.DuplicateKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fingerprints of the training rows for the monitor's membership-inference detector (DETECTORS.md S6):
 * a Bloom filter of each row's z-features quantised to {@code resolution} standard deviations.
 *
 * <p>The row's grid cell is hashed with the 128-bit MurmurHash3 of {@link DuplicateKeys#nearKey}; its
 * two 64-bit halves drive Kirsch-Mitzenmacher double hashing, bit_i = (h1 + i h2) mod m. Sized for
 * {@code expectedRows} at the target false-positive rate p: m = -n ln p / (ln 2)^2 bits, k = round(m/n
 * ln 2) hashes (9.6 bits and 7 hashes per row at 1%), capped at {@code maxBytes}; {@link
 * #expectedFpp()} gives the rate actually reached. No false negatives for a query in the same grid cell
 * as a training row; a query within the resolution but across a cell border is missed (the grid's
 * blind spot). Filters of the same geometry merge by OR, so per-partition filters combine.
 *
 * <p>Cost: O(d + k) per add or query; memory m / 8 bytes.
 */
public final class TrainingFingerprints implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Largest filter this class builds: 2^31 - 1 words would exceed array limits; 1 GiB is plenty. */
    public static final long MAX_BYTES = 1L << 30;
    private static final int MAGIC = 0x4d574246; // "MWBF"
    private static final int VERSION = 1;
    private static final double LN2 = Math.log(2);

    private final long bits;
    private final int hashes;
    private final double resolution;
    private long added;
    private final long[] words;

    private TrainingFingerprints(long bits, int hashes, double resolution, long added, long[] words) {
        this.bits = bits;
        this.hashes = hashes;
        this.resolution = resolution;
        this.added = added;
        this.words = words;
    }

    /** An empty filter sized for {@code expectedRows} rows. */
    public static TrainingFingerprints create(long expectedRows, FingerprintSettings settings) {
        long n = Math.max(1, expectedRows);
        double ideal = Math.ceil(-n * Math.log(settings.fpp()) / (LN2 * LN2));
        long capBits = Math.min(settings.maxBytes(), MAX_BYTES) * 8;
        long m = (long) Math.min(ideal, capBits);
        m = Math.max(Long.SIZE, (m + Long.SIZE - 1) / Long.SIZE * Long.SIZE);
        if (m > capBits) {
            m = capBits / Long.SIZE * Long.SIZE;
        }
        // k from the ideal size: a capped filter keeps the optimal k for its actual load.
        int k = (int) Math.max(1, Math.min(30, Math.round((double) m / n * LN2)));
        return new TrainingFingerprints(m, k, settings.resolution(), 0, new long[(int) (m / Long.SIZE)]);
    }

    /** Adds the row with z-features {@code z}: its grid cell ({@link DuplicateKeys#nearKey} at {@link #resolution()}). */
    public void add(double[] z) {
        long[] h = DuplicateKeys.nearKey(z, resolution);
        for (int i = 0; i < hashes; i++) {
            long bit = Math.floorMod(h[0] + i * h[1], bits);
            words[(int) (bit >>> 6)] |= 1L << (bit & 63);
        }
        added++;
    }

    /** False only if no training row fell in z's grid cell; true with probability about {@link #expectedFpp()} otherwise. */
    public boolean mightContain(double[] z) {
        long[] h = DuplicateKeys.nearKey(z, resolution);
        for (int i = 0; i < hashes; i++) {
            long bit = Math.floorMod(h[0] + i * h[1], bits);
            if ((words[(int) (bit >>> 6)] & (1L << (bit & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** ORs {@code other} into this filter; both must have the same geometry. */
    public void merge(TrainingFingerprints other) {
        if (other.bits != bits || other.hashes != hashes || Double.compare(other.resolution, resolution) != 0) {
            throw new IllegalArgumentException("cannot merge fingerprints of different geometry: " + describe() + " vs " + other.describe());
        }
        for (int i = 0; i < words.length; i++) {
            words[i] |= other.words[i];
        }
        added += other.added;
    }

    /** (1 - e^(-k n / m))^k for the rows added so far. */
    public double expectedFpp() {
        return Math.pow(1 - Math.exp(-(double) hashes * added / bits), hashes);
    }

    public long bits() {
        return bits;
    }

    public int hashes() {
        return hashes;
    }

    public long added() {
        return added;
    }

    public double resolution() {
        return resolution;
    }

    public long sizeBytes() {
        return bits / 8;
    }

    /** Metadata written into baseline.json next to the side file. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "bloom");
        m.put("hash", "murmur3_128_quantised_z");
        m.put("resolution", resolution);
        m.put("bits", bits);
        m.put("hashes", hashes);
        m.put("rows", added);
        m.put("expected_fpp", expectedFpp());
        return m;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64, sizeBytes() + 64));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(bits);
            out.writeInt(hashes);
            out.writeDouble(resolution);
            out.writeLong(added);
            for (long w : words) {
                out.writeLong(w);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static TrainingFingerprints fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a fingerprint filter (bad magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("unsupported fingerprint filter version " + version);
            }
            long bits = in.readLong();
            int hashes = in.readInt();
            double resolution = in.readDouble();
            long added = in.readLong();
            if (bits <= 0 || bits % Long.SIZE != 0 || bits / 8 > MAX_BYTES || hashes < 1 || !(resolution > 0)) {
                throw new IllegalArgumentException("corrupt fingerprint filter header");
            }
            long[] words = new long[(int) (bits / Long.SIZE)];
            for (int i = 0; i < words.length; i++) {
                words[i] = in.readLong();
            }
            return new TrainingFingerprints(bits, hashes, resolution, added, words);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated fingerprint filter: " + e.getMessage(), e);
        }
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(toBytes());
    }

    public static TrainingFingerprints fromBase64(String s) {
        return fromBytes(Base64.getDecoder().decode(s));
    }
}
