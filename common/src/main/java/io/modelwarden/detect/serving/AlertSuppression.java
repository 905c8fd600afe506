package io.modelwarden.detect.serving;

import io.modelwarden.model.Alert;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Deduplicates alerts per (client, detector): an alert is suppressed when the same client's same
 * detector already let one through less than {@code monitor.alerts.cooldown} earlier in event time,
 * unless its score exceeds that alert's score by more than {@code monitor.alerts.score-delta} (an
 * escalating attack is news). Keyed by {@code model_id|client_id}; the state holds one slot per
 * detector id, so it is bounded by the number of detectors (~100 bytes each). Event time, not the wall
 * clock, so replays suppress the same alerts.
 */
public final class AlertSuppression implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Detector slots per client: far more than there are detectors, a guard against unbounded ids. */
    static final int MAX_DETECTORS = 64;

    private final AlertSettings settings;

    public AlertSuppression(AlertSettings settings) {
        this.settings = settings;
    }

    public SuppressionState newState() {
        return new SuppressionState();
    }

    /** True when the alert should be emitted; updates the state when it is. */
    public boolean admit(SuppressionState s, Alert a) {
        return admit(s, a.detector, a.score, a.eventTimeMillis);
    }

    /**
     * {@link #admit(SuppressionState, Alert)} from what it reads of the alert (its detector, score and
     * event time), so that a caller can skip making an alert that would be suppressed.
     */
    public boolean admit(SuppressionState s, String detector, double score, long eventTimeMillis) {
        int i = indexOf(s, detector);
        if (i >= 0) {
            long since = eventTimeMillis - s.lastEmittedMillis[i];
            boolean cooling = since >= 0 && since < settings.cooldown().toMillis();
            boolean escalates = score > s.lastScore[i] + settings.scoreDelta();
            if (cooling && !escalates) {
                s.suppressed++;
                return false;
            }
        } else {
            if (s.detectors.length >= MAX_DETECTORS) {
                return true; // no room to remember: never lose an alert
            }
            i = s.detectors.length;
            s.detectors = Arrays.copyOf(s.detectors, i + 1);
            s.lastEmittedMillis = Arrays.copyOf(s.lastEmittedMillis, i + 1);
            s.lastScore = Arrays.copyOf(s.lastScore, i + 1);
            s.detectors[i] = detector;
        }
        s.lastEmittedMillis[i] = eventTimeMillis;
        s.lastScore[i] = score;
        return true;
    }

    private static int indexOf(SuppressionState s, String detector) {
        for (int i = 0; i < s.detectors.length; i++) {
            if (s.detectors[i].equals(detector)) {
                return i;
            }
        }
        return -1;
    }
}
