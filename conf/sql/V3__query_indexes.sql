-- Indexes for the queries a dashboard and an analyst run, in addition to V1/V2's. Each comment
-- shows the query shape the index serves; a composite index also serves its leading columns alone,
-- so the V1 single-column findings indexes it covers are dropped rather than kept twice (every index
-- costs the streaming sinks a write per row). The Grafana panels (conf/grafana) filter alerts on
-- detected_at (V2's alerts_detected_at_idx and alerts_priority_detected_idx) and scan runs on
-- finished_at (below), and count a scan's findings by scan_id (findings_scan_kind_risk_idx).
--
-- Plain CREATE INDEX makes inserts into the table wait while it builds: on a large alerts or
-- findings table run `warden db migrate` in a quiet period.

-- Alerts: "the last 24 hours of MODEL_STEALING", counts per threat over time.
--   WHERE threat = ? AND detected_at >= ? ORDER BY detected_at DESC
CREATE INDEX alerts_threat_detected_idx ON alerts (threat, detected_at DESC);

-- Alerts: one model's alerts of one threat (is credit-v3 being extracted?).
--   WHERE model_id = ? AND threat = ? [AND detected_at >= ?] ORDER BY detected_at DESC
CREATE INDEX alerts_model_threat_detected_idx ON alerts (model_id, threat, detected_at DESC);

-- Alerts: what one client has been flagged for.
--   WHERE client_id = ? AND threat = ? [AND detected_at >= ?] ORDER BY detected_at DESC
CREATE INDEX alerts_client_threat_detected_idx ON alerts (client_id, threat, detected_at DESC);

-- Findings: one scan's findings of one kind, worst first (V1's findings_scan_id_idx is its prefix).
--   WHERE scan_id = ? [AND kind = ?] ORDER BY risk_score DESC
CREATE INDEX findings_scan_kind_risk_idx ON findings (scan_id, kind, risk_score DESC);
DROP INDEX findings_scan_id_idx;

-- Findings: recent findings of one kind across scans (V1's findings_kind_idx is its prefix).
--   WHERE kind = ? AND inserted_at >= ? ORDER BY inserted_at DESC
CREATE INDEX findings_kind_inserted_idx ON findings (kind, inserted_at DESC);
DROP INDEX findings_kind_idx;

-- Findings: what one detector reported lately (tuning a threshold, checking a noisy detector).
--   WHERE detector = ? AND inserted_at >= ? ORDER BY inserted_at DESC
CREATE INDEX findings_detector_inserted_idx ON findings (detector, inserted_at DESC);

-- Findings: the newest findings of any scan.
CREATE INDEX findings_inserted_at_idx ON findings (inserted_at DESC);

-- Scan runs: the latest runs.
CREATE INDEX scan_runs_finished_at_idx ON scan_runs (finished_at DESC);

-- Scan runs: has this exact dataset (by its SHA-256 fingerprint) been scanned, and with what result?
--   WHERE dataset_sha256 = ? ORDER BY finished_at DESC
CREATE INDEX scan_runs_dataset_finished_idx ON scan_runs (dataset_sha256, finished_at DESC);
