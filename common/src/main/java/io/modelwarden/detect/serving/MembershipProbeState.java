package io.modelwarden.detect.serving;

/** Per-client state of {@link MembershipProbeDetector}: a Flink POJO of primitive arrays, sized by the settings. */
public final class MembershipProbeState {
    /** Queries with a usable feature vector. */
    public long queries;
    /** Training hits, each distinct hit cell counted once among the recent ones. */
    public long hits;
    /** Hits at which the next binomial alert may fire (doubles after each alert). */
    public long nextHitAlert;
    /** Cell hashes of recent hits, ring-indexed by {@link #hitCells}. */
    public long[] recentHitCells;
    public long hitCells;
    /** Event ids of recent hits, ring-indexed by {@link #matchedCount}. */
    public String[] matchedIds;
    public long matchedCount;
    /** Cluster centres, [centre * d + j] in z-space (float: 0.05 radius needs no more). */
    public float[] centres;
    /** Queries in each cluster (centre and distinct perturbations); 0 marks a free slot. */
    public int[] centreCounts;
    /** Whether any query of the cluster hit the training fingerprints. */
    public boolean[] centreTouchesTraining;
    /** Whether the cluster already raised its alert. */
    public boolean[] centreAlerted;
    /** Query number of the cluster's last member, for least-recently-used eviction. */
    public long[] centreLastQuery;
    /** Event time of the cluster's first member. */
    public long[] centreFirstMillis;
    /** Event time of the first query. */
    public long firstMillis;

    public MembershipProbeState() {}
}
