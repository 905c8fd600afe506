package io.modelwarden.monitor;

import io.modelwarden.detect.serving.RateState;
import io.modelwarden.detect.serving.SplitAccountState;
import io.modelwarden.detect.serving.SuppressionState;

/**
 * Everything {@link IpGuardFunction} keeps per {@code model_id|source_ip}, in one value (a Flink
 * POJO): one state lookup and one write per event instead of one per part.
 */
public final class IpGuardState {
    /** The IP rate rule's windows; null until the key's first event. */
    public RateState rate;
    /** The split-account tracker's table of client ids. */
    public SplitAccountState split;
    /** The cool-down of the IP rate alerts; null until the first. */
    public SuppressionState suppression;
    /** Risk factor for the client alerts of this IP (1: none) and the client ids behind it. */
    public double factor = 1.0;
    public int distinctClients;
    /** The pending cleanup timer, or {@link CleanupTimer#NONE}. */
    public long cleanupAt = CleanupTimer.NONE;
    /** The latest event time of the IP's events seen so far. */
    public long lastEventMillis = Long.MIN_VALUE;
    /** Client alerts held until the guard has seen the IP's events up to their time (in the operator's list state). */
    public int heldAlerts;

    public IpGuardState() {}
}
