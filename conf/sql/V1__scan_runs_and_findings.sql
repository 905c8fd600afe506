-- Batch scan results. Columns follow the JSON contract (io.modelwarden.json.Json#finding).
--
-- No foreign key from findings.scan_id to scan_runs: the Flink JDBC sink streams findings while
-- the job runs, and the client writes the scan_runs row only after the job has finished (it carries
-- the run summary). A foreign key would reject every finding. A findings row whose scan_id has no
-- scan_runs row therefore means "scan not (yet) finished successfully"; find such scans with
--   SELECT DISTINCT f.scan_id FROM findings f LEFT JOIN scan_runs r USING (scan_id) WHERE r.scan_id IS NULL;

CREATE TABLE scan_runs (
    scan_id        text PRIMARY KEY,
    dataset_sha256 text,
    rows_read      bigint,
    rows_rejected  bigint,
    columns        int,
    started_at     timestamptz,
    finished_at    timestamptz,
    input          text,
    summary        jsonb,
    inserted_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE findings (
    finding_id  text PRIMARY KEY,       -- deterministic: re-running a scan inserts nothing new
    scan_id     text NOT NULL,          -- deliberately no REFERENCES scan_runs, see above
    row_id      text,                   -- null for dataset-level findings
    row_index   bigint,                 -- null for dataset-level findings
    detector    text NOT NULL,
    threat      text NOT NULL,
    kind        text NOT NULL,
    stride      text NOT NULL,
    score       double precision NOT NULL,
    risk_score  int NOT NULL,
    priority    text NOT NULL,
    evidence    jsonb NOT NULL DEFAULT '{}'::jsonb,
    inserted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX findings_scan_id_idx  ON findings (scan_id);
CREATE INDEX findings_kind_idx     ON findings (kind);
CREATE INDEX findings_priority_idx ON findings (priority);
