package io.modelwarden.detect;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A detector's verdict on one row, event or dataset: a score in [0, 1] and the evidence that shows an
 * analyst why it fired (plain values: numbers, strings, lists and maps of them), in insertion order.
 */
public record Detection(double score, Map<String, Object> evidence) {
    public Detection {
        if (!(score >= 0.0 && score <= 1.0)) {
            throw new IllegalArgumentException("score must be in [0, 1], was " + score);
        }
        evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    }

    public static Detection of(double score, Map<String, Object> evidence) {
        return new Detection(clamp(score), evidence);
    }

    /** Clamps into [0, 1]; NaN becomes 0. */
    public static double clamp(double score) {
        if (Double.isNaN(score) || score <= 0.0) {
            return 0.0;
        }
        return Math.min(1.0, score);
    }
}
