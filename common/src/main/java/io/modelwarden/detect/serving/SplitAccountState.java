package io.modelwarden.detect.serving;

/** Per-IP state of {@link SplitAccountTracker}: a capped table of client-id hashes and last-seen times. */
public final class SplitAccountState {
    /** 64-bit hashes of the client ids seen (0 marks a free slot). */
    public long[] clientHashes;
    /** Event time each was last seen. */
    public long[] lastSeen;
    /** Clients turned away because the table was full, since it last had room. */
    public long overflow;

    public SplitAccountState() {}
}
