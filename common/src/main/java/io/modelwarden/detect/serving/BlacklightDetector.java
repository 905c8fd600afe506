package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.stats.Hashing;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * S4: Blacklight probabilistic-fingerprint matcher (Li, Shan, Wenger, Zhang, Zheng, Zhao, "Blacklight:
 * Scalable Defense for Neural Networks against Query-Based Black-Box Attacks", USENIX Security 2022),
 * with a QPA-style chain feature. Keyed by {@code model_id|client_id}.
 *
 * <p><b>Attack.</b> Query-based black-box attacks (score- and decision-based) whose iterations are
 * near-duplicates of earlier queries.
 *
 * <p><b>Signal.</b> Each feature is scaled to [0, 255] with the baseline's p01/p99 (or min/max) and
 * clamped, a secret per-feature salt is added modulo 255, and the value quantised to round(v / q).
 * Every sliding window of w = min(20, max(2, d / 4)) consecutive features is hashed together with its
 * position; the distinct hashes are sorted descending and the top S kept. Match = the largest number of
 * hashes this query shares with one earlier query in the client's index; alarm when match >= T =
 * max(2, ceil(match-ratio x min(S, windows))) (6 of 7 for d = 8). QPA chain: a query that shares at
 * least chain-link-ratio of its hashes with its best predecessor continues that predecessor's chain;
 * the chain length is evidence (and an alarm when chain-alert-length > 0). Exact repeats of one of the
 * last {@code recent-repeats} queries (retries) are skipped: a re-sent identical record is not an
 * attack iteration and would otherwise match itself fully.
 *
 * <p><b>Hash.</b> SplitMix64 finalisers over the quantised values instead of SHA-256: the hash only needs
 * to spread windows over 64 bits (accidental collisions ~ n^2 / 2^64); the secrecy is in the salt, not
 * in the hash, and SHA-256 would cost a digest and allocations per window on the per-event path.
 *
 * <p><b>Cost per event.</b> O(d w) hashing, O(S log S) sorting, O(S) bucket lookups (chains of ~2).
 *
 * <p><b>Memory per key.</b> Q queries x (S' (4 + 4) entry bytes (the index keeps 32 bits of each hash) + 8 time + 4 chain + the event id)
 * + 4 x bucket count + 8 x recent-repeats, with S' = min(S, windows) and Q = min(index-queries,
 * index-entries / S'). At defaults and d = 8: S' = 7, Q = 128, 896 entries: 7.2 KB + 2 KB buckets +
 * 1.5 KB + event ids (~128 x 60 B heap) + 1 KB of retry hashes, about 19 KB on the heap. Serialized
 * (checkpoints, RocksDB) the hash chains (entry links and buckets) are left out and relinked when
 * needed: 7.1 KB at d = 8, 5.9 KB at d = 30 (S' = 24, Q = 42). The index and the retry ring grow with
 * the queries (32 query slots, then fourfold, {@link Rings}); at d = 8 a key reaches the bound after 33
 * queries.
 *
 * <p><b>Parameters</b> ({@link BlacklightSettings}): salt-seed, quantization 10 (the paper's 50 leaves
 * six levels per tabular feature, so benign tabular rows collide), window 0 (auto), top-hashes 50,
 * match-ratio 0.85, robust-range true, index-queries 128, index-entries 1024, chain-link-ratio 0.25,
 * chain-alert-length 0, recent-repeats 128, idle-timeout 24h. Earliest alarm: the 2nd query.
 */
public final class BlacklightDetector implements ServingDetector<BlacklightState> {
    private static final long serialVersionUID = 1L;
    public static final String ID = "blacklight";
    private static final double SCALE = 255.0;

    private final BlacklightSettings settings;
    private final int dims;
    private final double[] lo;
    private final double[] width;
    private final double[] salt;
    private final int window;
    private final int hashesPerQuery;
    private final int threshold;
    private final int linkThreshold;
    private final int queryCapacity;
    private final long hashSeed;
    /**
     * Scratch of {@link #observe} (hashes shared per query slot, zero between events, and the slots
     * touched), reused: a detector instance is single-threaded.
     */
    private transient int[] shared;
    private transient int[] touched;

    /** @param baseline the model's baseline: feature ranges come from its quantiles (required) */
    public BlacklightDetector(BlacklightSettings settings, ServingBaseline baseline) {
        if (baseline == null) {
            throw new IllegalArgumentException("the blacklight detector needs the model's baseline (feature ranges)");
        }
        this.settings = settings;
        this.dims = baseline.dimensions();
        this.lo = new double[dims];
        this.width = new double[dims];
        for (int j = 0; j < dims; j++) {
            double[] q = baseline.quantiles(j);
            double a = settings.robustRange() ? q[1] : q[0];
            double b = settings.robustRange() ? q[q.length - 2] : q[q.length - 1];
            lo[j] = a;
            width[j] = b > a ? b - a : 1.0;
        }
        SplittableRandom r = new SplittableRandom(settings.saltSeed());
        this.salt = new double[dims];
        for (int j = 0; j < dims; j++) {
            salt[j] = r.nextDouble() * SCALE;
        }
        this.hashSeed = r.nextLong();
        int w = settings.window() > 0 ? settings.window() : Math.min(20, Math.max(2, dims / 4));
        this.window = Math.min(w, dims);
        int windows = dims - window + 1;
        this.hashesPerQuery = Math.min(settings.topHashes(), windows);
        this.threshold = Math.min(hashesPerQuery, Math.max(2, (int) Math.ceil(settings.matchRatio() * hashesPerQuery)));
        this.linkThreshold = Math.max(1, (int) Math.ceil(settings.chainLinkRatio() * hashesPerQuery));
        this.queryCapacity = Math.max(2, Math.min(settings.indexQueries(), settings.indexEntries() / hashesPerQuery));
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Threat threat() {
        return Threat.ADVERSARIAL;
    }

    @Override
    public Class<BlacklightState> stateClass() {
        return BlacklightState.class;
    }

    @Override
    public BlacklightState newState() {
        BlacklightState s = new BlacklightState(); // the index grows as queries arrive (reserve)
        s.hashesPerQuery = hashesPerQuery;
        s.queryCapacity = queryCapacity;
        return s;
    }

    /**
     * Makes room for the query slot the next insert writes, and links the hash chains when they are
     * missing (a new, restored or copied state: they are transient). The index's arrays grow like a
     * {@link Rings} ring (up to query-capacity slots), and the buckets with them (about two
     * entries per bucket: a power of two at least entries / 2, so chains of ~2 per lookup), relinking
     * the held entries. Bucket order within a chain changes no match count.
     */
    private static void reserve(BlacklightState s) {
        int q = (int) (s.count % s.queryCapacity);
        boolean linked = s.bucketHead != null && s.bucketHead.length > 0;
        if (q < s.queryIds.length && linked) {
            return;
        }
        if (q >= s.queryIds.length) {
            int slots = Rings.slots(s.queryIds.length, q, s.queryCapacity);
            s.queryIds = Arrays.copyOf(s.queryIds, slots);
            s.queryTimes = Arrays.copyOf(s.queryTimes, slots);
            s.chainLengths = Arrays.copyOf(s.chainLengths, slots);
            s.entryHash = Arrays.copyOf(s.entryHash, slots * s.hashesPerQuery);
        }
        int entries = s.entryHash.length;
        s.entryNext = new int[entries];
        Arrays.fill(s.entryNext, -1);
        s.bucketHead = new int[Math.max(1, Integer.highestOneBit(Math.max(1, entries - 1)))];
        Arrays.fill(s.bucketHead, -1);
        int mask = s.bucketHead.length - 1;
        for (int en = 0; en < entries; en++) {
            if (s.entryHash[en] != 0) {
                int b = s.entryHash[en] & mask;
                s.entryNext[en] = s.bucketHead[b];
                s.bucketHead[b] = en;
            }
        }
    }

    @Override
    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    /** Match threshold T in use. */
    public int threshold() {
        return threshold;
    }

    public int hashesPerQuery() {
        return hashesPerQuery;
    }

    public int queryCapacity() {
        return queryCapacity;
    }

    /** The top-S window hashes of x, sorted descending, distinct (length <= S). */
    long[] fingerprint(double[] x) {
        int[] level = new int[dims];
        for (int j = 0; j < dims; j++) {
            double v = SCALE * (x[j] - lo[j]) / width[j];
            v = Math.max(0, Math.min(SCALE, v));
            // (v + salt) mod SCALE, as the double % gave it but without its libm fmod call per feature:
            // v in [0, SCALE] and salt in [0, SCALE), so the sum is below 2 SCALE (or rounds to it) and
            // each subtraction is exact (Sterbenz).
            v += salt[j];
            if (v >= SCALE) {
                v -= SCALE;
            }
            if (v >= SCALE) {
                v -= SCALE;
            }
            level[j] = (int) Math.round(v / settings.quantization());
        }
        int windows = dims - window + 1;
        long[] h = new long[windows];
        for (int i = 0; i < windows; i++) {
            long acc = Hashing.mix64(hashSeed ^ (i + 1L) * 0x9E3779B97F4A7C15L);
            for (int t = 0; t < window; t++) {
                acc = Hashing.mix64(acc ^ (level[i + t] + 1L) * 0xC2B2AE3D27D4EB4FL);
            }
            h[i] = acc == 0 ? 1 : acc;
        }
        Arrays.sort(h);
        long[] out = new long[Math.min(windows, hashesPerQuery)];
        int n = 0;
        for (int i = windows - 1; i >= 0 && n < out.length; i--) {
            if (n == 0 || h[i] != out[n - 1]) {
                out[n++] = h[i];
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    @Override
    public Optional<ServingDetection> observe(BlacklightState s, InferenceEvent e) {
        if (!ServingVectors.usable(e, dims)) {
            return Optional.empty();
        }
        int repeats = settings.recentRepeats();
        s.recent = Rings.fit(s.recent, s.recentNext, repeats);
        if (ServingVectors.isRepeat(s.recent, s.recentNext, ServingVectors.exactHash(e))) {
            return Optional.empty();
        }
        if (repeats > 0) {
            s.recentNext = (s.recentNext + 1) % repeats;
        }
        reserve(s);
        long[] fp = fingerprint(e.features);
        int[] keys = new int[fp.length];
        for (int i = 0; i < fp.length; i++) {
            keys[i] = key(fp[i]);
        }
        int mask = s.bucketHead.length - 1;
        if (shared == null || shared.length < s.queryCapacity) {
            shared = new int[s.queryCapacity];
            touched = new int[s.queryCapacity];
        }
        int[] shared = this.shared;
        int[] touched = this.touched;
        int touches = 0;
        for (int h : keys) {
            for (int en = s.bucketHead[h & mask]; en >= 0; en = s.entryNext[en]) {
                if (s.entryHash[en] == h) {
                    int q = en / s.hashesPerQuery;
                    if (shared[q]++ == 0) {
                        touched[touches++] = q;
                    }
                }
            }
        }
        // Best predecessor: most shared hashes, ties to the most recent (attack iterations are sequential,
        // so this is what makes the QPA chain follow the attack's path). Only the queries that share a
        // hash can be it, so only those are visited (and their counts reset for the next event).
        int best = -1;
        int match = 0;
        int bestAge = Integer.MAX_VALUE;
        int newest = (int) ((s.count - 1) % s.queryCapacity);
        for (int i = 0; i < touches; i++) {
            int q = touched[i];
            int age = Math.floorMod(newest - q, s.queryCapacity);
            if (shared[q] > match || (shared[q] == match && age < bestAge)) {
                match = shared[q];
                best = q;
                bestAge = age;
            }
            shared[q] = 0;
        }
        int chain = match >= linkThreshold && best >= 0 ? s.chainLengths[best] + 1 : 1;
        String matchedId = best >= 0 ? s.queryIds[best] : null;
        long matchedTime = best >= 0 ? s.queryTimes[best] : e.timestampMillis;
        insert(s, keys, e, chain);
        s.longestChain = Math.max(s.longestChain, chain);
        boolean byMatch = match >= threshold;
        boolean byChain = settings.chainAlertLength() > 0 && chain >= settings.chainAlertLength();
        if (!byMatch && !byChain) {
            return Optional.empty();
        }
        s.alarms++;
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("statistic", byMatch ? "shared_hashes" : "chain_length");
        ev.put("match", match);
        ev.put("threshold", threshold);
        ev.put("direction", "at_or_above");
        ev.put("hashes_per_query", fp.length);
        ev.put("matched_event_id", matchedId);
        ev.put("matched_event_time", matchedTime);
        ev.put("chain_length", chain);
        ev.put("chain_alert_length", settings.chainAlertLength());
        ev.put("quantization", settings.quantization());
        ev.put("window", window);
        ev.put("last_event_id", e.eventId);
        double score = byMatch
                ? 0.5 + 0.5 * (match - threshold + 1) / (double) (hashesPerQuery - threshold + 1)
                : 0.5 + 0.5 * Math.min(1.0, (chain - settings.chainAlertLength()) / (double) settings.chainAlertLength());
        return Optional.of(new ServingDetection(Detection.of(score, ev), Math.min(matchedTime, e.timestampMillis), e.timestampMillis));
    }

    /**
     * The index keeps the low 32 bits of each window hash (0 marks an empty entry, so a 0 becomes 1): the
     * bucket takes the low bits, and a false shared hash needs the remaining ones to agree by chance
     * (~2^-22 per lookup at 1,024 buckets), far below what moves a match count towards T.
     */
    static int key(long h) {
        int k = (int) h;
        return k == 0 ? 1 : k;
    }

    private static void insert(BlacklightState s, int[] fp, InferenceEvent e, int chain) {
        int q = (int) (s.count % s.queryCapacity);
        int first = q * s.hashesPerQuery;
        int mask = s.bucketHead.length - 1;
        // FIFO eviction: unlink the slot's old entries from their bucket chains.
        for (int en = first; en < first + s.hashesPerQuery; en++) {
            int old = s.entryHash[en];
            if (old == 0) {
                continue;
            }
            int b = old & mask;
            if (s.bucketHead[b] == en) {
                s.bucketHead[b] = s.entryNext[en];
            } else {
                for (int p = s.bucketHead[b]; p >= 0; p = s.entryNext[p]) {
                    if (s.entryNext[p] == en) {
                        s.entryNext[p] = s.entryNext[en];
                        break;
                    }
                }
            }
            s.entryHash[en] = 0;
            s.entryNext[en] = -1;
        }
        for (int i = 0; i < fp.length; i++) {
            int en = first + i;
            int b = fp[i] & mask;
            s.entryHash[en] = fp[i];
            s.entryNext[en] = s.bucketHead[b];
            s.bucketHead[b] = en;
        }
        s.queryIds[q] = e.eventId;
        s.queryTimes[q] = e.timestampMillis;
        s.chainLengths[q] = chain;
        s.count++;
    }
}
