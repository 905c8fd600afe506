package io.modelwarden.model;

import java.io.Serializable;

/**
 * One query to a served model and its answer, as the serving layer logs it. A Flink POJO.
 *
 * <p>JSON: {@code {"event_id", "timestamp" (ISO-8601 or epoch millis), "model_id", "client_id",
 * "source_ip", "features": [..], "prediction": {"label", "confidence", "probabilities": [..]},
 * "explanation_requested"}}; prediction and explanation_requested are optional.
 */
public final class InferenceEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    public String eventId;
    /** Event time, epoch milliseconds. */
    public long timestampMillis;
    public String modelId;
    public String clientId;
    public String sourceIp;
    /** Positional, in the order of the training columns recorded in the model's baseline. */
    public double[] features;
    /** Null when the event carries no prediction. */
    public String predictedLabel;
    /** Top-class confidence in [0, 1]; NaN when absent. */
    public double confidence = Double.NaN;
    /** Class probabilities; null when absent. */
    public double[] probabilities;
    public boolean explanationRequested;

    /**
     * Per-event values derived once and shared by the detectors that run on this event in one
     * operator (z-scores against {@link #derivedFor}, their squared norm, the exact-repeat hash), all
     * of {@link #derivedFrom} (the features array they were computed from: a deserializer that
     * reuses event objects sets a new array). Transient: not part of the POJO, never serialized or
     * copied between operators; read them only through the detectors' helpers, which check both.
     * Never mutate {@link #z}.
     */
    public transient double[] derivedFrom;
    public transient Object derivedFor;
    public transient double[] z;
    public transient double zSquaredNorm;
    public transient long exactHash;

    public InferenceEvent() {}

    /** A new event with this one's ids, time and source IP only: no features, prediction or flags. */
    public InferenceEvent slim() {
        InferenceEvent s = new InferenceEvent();
        s.eventId = eventId;
        s.timestampMillis = timestampMillis;
        s.modelId = modelId;
        s.clientId = clientId;
        s.sourceIp = sourceIp;
        return s;
    }

    public boolean hasPrediction() {
        return predictedLabel != null;
    }

    /** The per-client key: {@code model_id|client_id}. */
    public String clientKey() {
        return modelId + "|" + clientId;
    }

    /** The per-IP key: {@code model_id|source_ip}. */
    public String ipKey() {
        return modelId + "|" + sourceIp;
    }

    /** Margin between the two largest probabilities, or NaN without probabilities. */
    public double margin() {
        if (probabilities == null || probabilities.length < 2) {
            return Double.NaN;
        }
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (double p : probabilities) {
            if (p > first) {
                second = first;
                first = p;
            } else if (p > second) {
                second = p;
            }
        }
        return first - second;
    }
}
