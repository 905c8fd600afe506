-- The model registry the jobs guard, and its audit trail: the threat-modeling guide's database-level
-- controls. Every INSERT, UPDATE and DELETE on ai_models writes one ai_model_audits row (who, from
-- where, when, the old and new row, a security level); the trail is append-only (STRIDE:
-- Repudiation), and swapping a model's artifact under the same id is flagged CRITICAL (Tampering).
--
-- What this cannot stop, and what covers it (README, Operations / Database): a superuser or the
-- tables' owner can drop or disable the triggers; that DDL is recorded by the server's own log
-- (log_statement = 'ddl', pgaudit), so the owner must not be the role the applications log in as.

CREATE TABLE ai_models (
    model_id     text PRIMARY KEY,         -- the model_id that serving events and alerts carry, e.g. credit-v3
    name         text NOT NULL,
    version      text NOT NULL,
    stage        text NOT NULL DEFAULT 'development'
                 CHECK (stage IN ('development', 'staging', 'production', 'archived')),
    artifact_uri text NOT NULL,            -- where the serialized model lives (s3://..., file:///...)
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),  -- of the artifact's bytes
    owner        text NOT NULL,            -- the team or person accountable for the model
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);

CREATE FUNCTION ai_models_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER ai_models_touch BEFORE UPDATE ON ai_models
    FOR EACH ROW EXECUTE FUNCTION ai_models_touch();

CREATE TABLE ai_model_audits (
    audit_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id       text NOT NULL,          -- deliberately no REFERENCES: the trail outlives a DELETE
    operation      text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    db_user        text NOT NULL,          -- session_user: the role that logged in (SET ROLE does not change it)
    db_role        text,                   -- the role taken with SET ROLE, null when none
    client_addr    inet,                   -- inet_client_addr(): null over a Unix-domain socket
    changed_at     timestamptz NOT NULL,   -- now(): the start of the changing transaction
    -- {"old": row or null, "new": row or null, "changed": [columns, for UPDATE], "application_name",
    -- "transaction_id"}; application_name is whatever the client said, so evidence, not proof.
    details        jsonb NOT NULL,
    security_level text NOT NULL CHECK (security_level IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL'))
);

-- "What happened to credit-v3", and "every HIGH/CRITICAL change this week".
CREATE INDEX ai_model_audits_model_changed_idx ON ai_model_audits (model_id, changed_at DESC);
CREATE INDEX ai_model_audits_level_changed_idx ON ai_model_audits (security_level, changed_at DESC);

-- The security level of one change. CRITICAL: the bytes behind a registered model change (new
-- artifact_uri or sha256: a new model must be a new version), or a production model is deleted.
-- HIGH: any other DELETE, a model enters production (also by INSERT), or its identity (id, name,
-- version) changes. MEDIUM: a new owner, or another stage move (e.g. out of production). LOW: the rest
-- (a new model outside production, metadata edits).
CREATE FUNCTION ai_model_audit_level(operation text, old_row jsonb, new_row jsonb, changed text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN operation = 'DELETE' AND old_row ->> 'stage' = 'production' THEN 'CRITICAL'
        WHEN operation = 'UPDATE' AND changed && ARRAY['artifact_uri', 'sha256'] THEN 'CRITICAL'
        WHEN operation = 'DELETE' THEN 'HIGH'
        WHEN new_row ->> 'stage' = 'production'
             AND (old_row ->> 'stage') IS DISTINCT FROM 'production' THEN 'HIGH'
        WHEN changed && ARRAY['model_id', 'name', 'version'] THEN 'HIGH'
        WHEN changed && ARRAY['owner', 'stage'] THEN 'MEDIUM'
        ELSE 'LOW'
    END
$$;

-- SECURITY DEFINER: the roles that change ai_models need no privilege on ai_model_audits, so they
-- cannot write (or forge) audit rows themselves. The fixed search_path, with pg_temp last, keeps a
-- caller's temporary table named ai_model_audits from capturing the rows.
CREATE FUNCTION ai_models_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = "${flyway:defaultSchema}", pg_temp
AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    changed text[] := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- updated_at changes on every UPDATE (ai_models_touch), so it is not news.
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO changed
          FROM jsonb_each(new_row) AS n
         WHERE n.key <> 'updated_at' AND n.value IS DISTINCT FROM old_row -> n.key;
    END IF;
    INSERT INTO ai_model_audits
        (model_id, operation, db_user, db_role, client_addr, changed_at, details, security_level)
    VALUES (
        coalesce(new_row, old_row) ->> 'model_id',
        TG_OP,
        session_user,
        nullif(current_setting('role'), 'none'),
        inet_client_addr(),
        now(),
        jsonb_build_object(
            'old', old_row,
            'new', new_row,
            'changed', to_jsonb(changed),
            'application_name', current_setting('application_name'),
            'transaction_id', txid_current()),
        ai_model_audit_level(TG_OP, old_row, new_row, changed));
    RETURN NULL;
END
$$;

CREATE TRIGGER ai_models_audit AFTER INSERT OR UPDATE OR DELETE ON ai_models
    FOR EACH ROW EXECUTE FUNCTION ai_models_audit();

-- Refuses a statement: UPDATE, DELETE or TRUNCATE of the trail, or TRUNCATE of the registry (it
-- would skip the row triggers, so the deleted models would leave no audit rows).
CREATE FUNCTION ai_model_audits_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Statement triggers fire even when no row matches, so `UPDATE ... WHERE false` is refused as well.
CREATE TRIGGER ai_model_audits_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ai_model_audits
    FOR EACH STATEMENT EXECUTE FUNCTION ai_model_audits_refuse('the audit trail is append-only');

CREATE TRIGGER ai_models_no_truncate BEFORE TRUNCATE ON ai_models
    FOR EACH STATEMENT EXECUTE FUNCTION ai_model_audits_refuse('DELETE the rows, so that each is audited');

-- Nobody but the owner (the migrating role) may touch the trail directly; grants for readers are an
-- operator step (README).
REVOKE ALL ON ai_model_audits FROM PUBLIC;
REVOKE ALL ON ai_models FROM PUBLIC;
