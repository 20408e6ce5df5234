-- The web site's audit log (ADM-1, issue 5 item 6): who did what, when, from which address.
-- Written in batches by Silo/History/PostgresHistoryWriter (binary COPY into a staging table, then
-- INSERT ... ON CONFLICT DO NOTHING on id), so an entry written again after an outage leaves one row.
-- Idempotent: safe to apply again.

CREATE TABLE IF NOT EXISTS audit_log (
    id             uuid        NOT NULL,          -- chosen once by the audit log grain
    log            text        NOT NULL,          -- the audit log grain's key ('audit:web')
    at             timestamptz NOT NULL,
    user_name      text        NOT NULL,          -- 'anonymous' for a failed login
    action         text        NOT NULL,          -- login, login-failed, force-not-ready, configure-queue, add-to-queue...
    target         text        NOT NULL,          -- 'agent:bj-01', 'queue:hotline-bj', a user name...
    detail         text,
    remote_address text,
    written_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_log_pkey PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_user_at ON audit_log (user_name, at);
