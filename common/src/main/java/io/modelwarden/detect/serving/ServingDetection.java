package io.modelwarden.detect.serving;

import io.modelwarden.detect.Detection;

/**
 * A streaming detector's verdict: the detection (score in [0, 1], evidence) and the event-time window
 * it covers, from the first to the last event the decision used.
 */
public record ServingDetection(Detection detection, long windowStartMillis, long windowEndMillis) {
    public ServingDetection {
        if (windowEndMillis < windowStartMillis) {
            throw new IllegalArgumentException("window ends before it starts: " + windowStartMillis + " > " + windowEndMillis);
        }
    }
}
