package io.modelwarden.detect.serving;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import java.io.Serializable;
import java.time.Duration;
import java.util.Optional;

/**
 * Watches one key's serving traffic (a {@code model_id|client_id}, or a {@code model_id|source_ip}
 * for rate rules). Holds no per-key memory itself: all of it lives in the state object S, which the
 * Flink job keeps in keyed state and drops after {@link #idleTimeout()} of event time without
 * traffic. Deterministic: time comes from the events, randomness from seeded settings.
 *
 * @param <S> the per-key state: a Flink POJO (public no-arg constructor, public fields of
 *     primitives, primitive arrays, strings) whose size is bounded by the detector's settings
 */
public interface ServingDetector<S> extends Serializable {
    /** snake_case id written into alerts, e.g. {@code prada}. */
    String id();

    Threat threat();

    Class<S> stateClass();

    S newState();

    /**
     * The state of a key first seen at {@code firstMillis} by a monitor whose first event (since it
     * started or was restored) was at {@code monitorStartMillis}: a key seen soon after the monitor
     * started may have been active long before, with a history the monitor never saw. Detectors that
     * judge a key by its own history override this; the others ignore the times.
     */
    default S newState(long firstMillis, long monitorStartMillis) {
        return newState();
    }

    /** Folds one event into the key's state; returns a detection when this event tips the decision. */
    Optional<ServingDetection> observe(S state, InferenceEvent event);

    /** After this much event time without traffic the key's state is dropped. */
    Duration idleTimeout();
}
