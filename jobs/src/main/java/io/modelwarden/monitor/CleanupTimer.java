package io.modelwarden.monitor;

import org.apache.flink.streaming.api.TimerService;

/**
 * The one event-time timer per key that frees the key's state after idleness, in both keyed operators of
 * the monitor ({@link ServingDetectorsFunction}, {@link IpGuardFunction}). Its time is the key's last
 * event + the idle timeout, rounded up to a 24th of the timeout (at least a minute, at most an hour): a
 * busy key moves its timer (a delete from Flink's timer heap, the costly part, and an insert) at most
 * once per step, not at each event, and the timers of many keys coalesce; the state lives at most a
 * step (1 h at a 24 h timeout) longer than the timeout. The key's state records the pending time, and
 * the timer's callback frees the state only when it fires at that time.
 */
final class CleanupTimer {
    /** A key's pending time when no timer is pending. */
    static final long NONE = Long.MIN_VALUE;
    /** The finest and the coarsest step of the rounding. */
    static final long MIN_STEP_MS = 60_000;
    static final long MAX_STEP_MS = 3_600_000;

    private CleanupTimer() {}

    /** The timer's time after an event at {@code eventMillis}, for an idle timeout of {@code idleMillis}. */
    static long time(long eventMillis, long idleMillis) {
        long step = Math.max(MIN_STEP_MS, Math.min(MAX_STEP_MS, idleMillis / 24));
        return (Math.floorDiv(eventMillis + idleMillis, step) + 1) * step;
    }

    /**
     * Moves the key's timer, pending at {@code pending} ({@link #NONE} if none), to its time after an
     * event at {@code eventMillis}; returns the time now pending (the caller stores it in the key's state).
     */
    static long move(TimerService timers, long pending, long eventMillis, long idleMillis) {
        long at = time(eventMillis, idleMillis);
        if (at != pending) {
            if (pending != NONE) {
                timers.deleteEventTimeTimer(pending);
            }
            timers.registerEventTimeTimer(at);
        }
        return at;
    }
}
