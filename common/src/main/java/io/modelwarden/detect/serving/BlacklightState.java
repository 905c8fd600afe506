package io.modelwarden.detect.serving;

/**
 * Per-client state of {@link BlacklightDetector} (Flink POJO): a bounded inverted index from window
 * hash to the earlier queries holding it, as flat arrays with FIFO eviction. Query slot q owns entries
 * [q x hashesPerQuery, (q + 1) x hashesPerQuery); each entry sits in the chain of its hash's bucket.
 */
public final class BlacklightState {
    /** Hashes kept per query (min(S, windows per query)); 0 before the first event. */
    public int hashesPerQuery;
    /** Queries held in the index (ring). */
    public int queryCapacity;
    /** Queries inserted so far (ring position = count % queryCapacity). */
    public long count;
    /** Per query slot: its event id, event time and QPA chain length. */
    public String[] queryIds = new String[0];
    public long[] queryTimes = new long[0];
    public int[] chainLengths = new int[0];
    /** Per entry: the low 32 bits of the hash (0 = empty). */
    public int[] entryHash = new int[0];
    /**
     * The hash chains over {@link #entryHash}, derived from it: per entry the next entry of the same
     * bucket (-1 = end), and the first entry of each bucket (-1 = empty; length a power of two).
     * Transient, so neither checkpoints nor the heap backend's copies of a state being snapshotted carry
     * them (they were 45% of the serialized state at d = 8); the detector relinks them when it finds
     * them missing (O(entries), once per restored or copied state).
     */
    public transient int[] entryNext = new int[0];
    public transient int[] bucketHead = new int[0];
    public long alarms;
    public int longestChain;
    /** Exact-repeat ring of recent feature hashes. */
    public long[] recent = new long[0];
    public int recentNext;

    public BlacklightState() {}
}
