-- Streaming monitor alerts (GUIDE section 9). alert_id derives from detector, key, window and the
-- last event id, so a replay with INSERT ... ON CONFLICT (alert_id) DO NOTHING adds no rows.

CREATE TABLE alerts (
    alert_id     text PRIMARY KEY,
    detector     text NOT NULL,
    threat       text NOT NULL,
    stride       text NOT NULL,
    model_id     text,
    client_id    text,
    source_ip    text,
    score        double precision NOT NULL,
    risk_score   int NOT NULL,
    priority     text NOT NULL,
    event_time   timestamptz,
    window_start timestamptz,
    window_end   timestamptz,
    detected_at  timestamptz NOT NULL,
    evidence     jsonb NOT NULL DEFAULT '{}'::jsonb,
    inserted_at  timestamptz NOT NULL DEFAULT now()
);

-- Triage: newest alerts first, by client, by model, by priority and detector.
CREATE INDEX alerts_detected_at_idx       ON alerts (detected_at DESC);
CREATE INDEX alerts_client_time_idx       ON alerts (client_id, event_time DESC);
CREATE INDEX alerts_model_time_idx        ON alerts (model_id, event_time DESC);
CREATE INDEX alerts_priority_detected_idx ON alerts (priority, detected_at DESC);
CREATE INDEX alerts_detector_idx          ON alerts (detector);
CREATE INDEX alerts_source_ip_idx         ON alerts (source_ip);
