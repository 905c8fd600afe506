package io.modelwarden.model;

import java.io.Serializable;

/**
 * One streaming-monitor alert. A Flink POJO; evidence crosses operators as a JSON object string.
 *
 * <p>JSON: {@code {"alert_id", "detector", "threat", "stride", "model_id", "client_id", "source_ip",
 * "score", "risk_score", "priority", "likelihood", "impact", "event_time", "window_start",
 * "window_end", "detected_at", "evidence"}}; times are ISO-8601. {@code event_time} is the event time
 * of the last event the decision used. {@code likelihood} and {@code impact} are the risk matrix cell
 * the risk score came from (a split-accounts raise lifts the score, not the cell).
 */
public final class Alert implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Deterministic: detector, key, window and last event id, so replays and restarts upsert. */
    public String alertId;
    public String detector;
    public Threat threat;
    public Stride stride;
    public String modelId;
    public String clientId;
    public String sourceIp;
    public double score;
    public int riskScore;
    public Priority priority;
    /** The risk matrix cell: LOW/MEDIUM/HIGH and MEDIUM/HIGH/CRITICAL (RiskPolicy). */
    public String likelihood;
    public String impact;
    public long eventTimeMillis;
    public long windowStartMillis;
    public long windowEndMillis;
    public long detectedAtMillis;
    public String evidenceJson;

    public Alert() {}

    @Override
    public String toString() {
        return "Alert{" + detector + " " + threat + " " + modelId + "|" + clientId + " score=" + score + " " + priority + "}";
    }
}
