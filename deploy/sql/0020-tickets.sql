-- Ticket history for reports (TKT-5 audit trail, issue 6 reports): one row per ticket event,
-- written in batches by Silo/History/PostgresHistoryWriter with INSERT ... ON CONFLICT DO NOTHING
-- on (ticket_id, sequence), so a replayed event leaves exactly one row.
-- Idempotent: safe to apply again. Enum values are stored by name.

CREATE TABLE IF NOT EXISTS ticket_events (
    ticket_id     text        NOT NULL,
    sequence      bigint      NOT NULL,          -- the ticket's own event counter, from 0 (Created)
    kind          text        NOT NULL,          -- TicketEventKind: Created, Dispatched, Replied, Escalated...
    at            timestamptz NOT NULL,
    actor         text        NOT NULL,          -- the person, or 'system' for warnings and escalations
    department_id text        NOT NULL,          -- the department the actor acted for
    target        text,                          -- the department / person the action was aimed at
    detail        text,
    status_after  text        NOT NULL,          -- TicketStatus after the event
    written_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ticket_events_pkey PRIMARY KEY (ticket_id, sequence)
);

CREATE INDEX IF NOT EXISTS ticket_events_at ON ticket_events (at);
CREATE INDEX IF NOT EXISTS ticket_events_kind_at ON ticket_events (kind, at);

-- Escalations per department and day (overdue counts).
CREATE OR REPLACE VIEW ticket_escalations_by_department AS
SELECT department_id, date_trunc('day', at) AS day, count(*) AS escalations
FROM ticket_events
WHERE kind = 'Escalated'
GROUP BY department_id, date_trunc('day', at);

-- Callback survey results (回访): unsatisfied results reopen the ticket (status_after = 'Open').
CREATE OR REPLACE VIEW ticket_survey_results AS
SELECT ticket_id, at, actor, status_after = 'Surveyed' AS satisfied, detail
FROM ticket_events
WHERE kind = 'Surveyed';

-- Timeliness by department: replies a department sent, and how many of its tickets escalated.
CREATE OR REPLACE VIEW ticket_timeliness_by_department AS
SELECT department_id,
       count(*) FILTER (WHERE kind = 'Replied')           AS replies,
       count(*) FILTER (WHERE kind = 'Escalated')         AS escalations,
       count(*) FILTER (WHERE kind = 'ExtensionApproved') AS extensions_approved
FROM ticket_events
GROUP BY department_id;
