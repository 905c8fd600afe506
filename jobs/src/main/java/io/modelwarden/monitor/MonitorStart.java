package io.modelwarden.monitor;

import io.modelwarden.model.InferenceEvent;

/**
 * The event time of the first event one operator instance saw since it started or was restored from
 * a snapshot: keys first seen soon after it may have been active before the monitor watched them
 * ({@link io.modelwarden.detect.serving.ServingDetector#newState(long, long)}). Not checkpointed on
 * purpose: after a restore the keys that had state keep it, and those without state are again of
 * unknown history for a while.
 */
final class MonitorStart {
    private boolean seen;
    private long firstMillis;

    /** The first event time seen, {@code e}'s own if it is the first. */
    long of(InferenceEvent e) {
        if (!seen) {
            seen = true;
            firstMillis = e.timestampMillis;
        }
        return firstMillis;
    }
}
