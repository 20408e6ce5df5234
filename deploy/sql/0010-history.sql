-- History tables for reports: one row per call (call detail record), one row per closed agent
-- state interval, one row per queue event. Written in batches by Silo/History/PostgresHistoryWriter
-- with INSERT ... ON CONFLICT DO NOTHING on each table's natural key, so a record written twice
-- (a replay after a crash, a spill file replayed) leaves exactly one row.
--
-- Idempotent: safe to apply again (CREATE ... IF NOT EXISTS, CREATE OR REPLACE VIEW).
-- Times are timestamptz (stored in UTC); durations are interval. Enum values are stored by name
-- (text, e.g. 'Completed', 'WrapUp') so reports read them directly and a new value in the code
-- never makes a write fail.

-- ---------------------------------------------------------------------------------------------
-- Call detail records: written once per call when it reaches its terminal outcome.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS call_detail_records (
    call_id           text        NOT NULL,
    caller_number     text        NOT NULL,
    called_number     text,                          -- the number dialled, when the gateway says
    service           text        NOT NULL,          -- the service number routed to a queue
    region            text,
    queue_path        text[]      NOT NULL DEFAULT '{}',  -- every queue entered, in order (overflows append)
    -- The last queue of the path: where the call was answered, abandoned or otherwise ended.
    queue_id          text        GENERATED ALWAYS AS (queue_path[cardinality(queue_path)]) STORED,
    agent_id          text,                          -- the agent who answered, if any
    arrived_at        timestamptz NOT NULL,
    first_offered_at  timestamptz,
    answered_at       timestamptz,
    ended_at          timestamptz NOT NULL,
    wait              interval    NOT NULL,          -- arrival to answer (or to the end when never answered)
    talk              interval    NOT NULL,          -- connected time, hold excluded
    hold              interval    NOT NULL,
    wrap_up           interval,                      -- often null: see the call_details view
    outcome           text        NOT NULL,          -- CallOutcome: Completed, Abandoned, Callback, Voicemail, Rejected, Failed
    ended_by          text        NOT NULL,          -- CallParty: Caller, Agent, System
    priority          integer     NOT NULL,
    offers            integer     NOT NULL,          -- how many times the call was offered to agents
    attached_data     jsonb       NOT NULL DEFAULT '{}',  -- IVR digits, account... (string to string)
    survey_score      integer,                       -- post-call survey, 1-5, when answered
    recording_path    text,
    detail            text,
    written_at        timestamptz NOT NULL DEFAULT now(),  -- when the row reached the database
    CONSTRAINT call_detail_records_pkey PRIMARY KEY (call_id)
);

CREATE INDEX IF NOT EXISTS call_detail_records_arrived_at ON call_detail_records (arrived_at);
CREATE INDEX IF NOT EXISTS call_detail_records_queue_arrived ON call_detail_records (queue_id, arrived_at);
-- Calls that went through a queue at any point (overflow reports): WHERE queue_path @> ARRAY['q1'].
CREATE INDEX IF NOT EXISTS call_detail_records_queue_path ON call_detail_records USING gin (queue_path);
CREATE INDEX IF NOT EXISTS call_detail_records_agent_arrived ON call_detail_records (agent_id, arrived_at) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS call_detail_records_region_arrived ON call_detail_records (region, arrived_at);

-- ---------------------------------------------------------------------------------------------
-- Agent state intervals: one closed interval per state an agent left. Key (agent_id, started_at).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS agent_state_intervals (
    agent_id    text        NOT NULL,
    state       text        NOT NULL,   -- AgentState: LoggedOut, Ready, Reserved, OnCall, OnHold, WrapUp, NotReady
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    duration    interval    GENERATED ALWAYS AS (ended_at - started_at) STORED,
    reason      text,                   -- not-ready reason code, when any
    call_id     text,                   -- the call the interval belongs to (Reserved, OnCall, OnHold, WrapUp)
    written_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agent_state_intervals_pkey PRIMARY KEY (agent_id, started_at)
);

CREATE INDEX IF NOT EXISTS agent_state_intervals_started_at ON agent_state_intervals (started_at);
CREATE INDEX IF NOT EXISTS agent_state_intervals_state_started ON agent_state_intervals (state, started_at);
CREATE INDEX IF NOT EXISTS agent_state_intervals_call ON agent_state_intervals (call_id) WHERE call_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Queue events: what happened to a call in a queue. Key (queue_id, call_id, sequence).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS queue_events (
    queue_id    text        NOT NULL,
    call_id     text        NOT NULL,
    sequence    bigint      NOT NULL,   -- numbered by the queue from a per-activation counter (unique)
    kind        text        NOT NULL,   -- QueueEventKind: Entered, Offered, OfferFailed, Answered, Overflowed, Abandoned, TimedOut, Withdrawn
    at          timestamptz NOT NULL,
    agent_id    text,
    detail      text,
    written_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT queue_events_pkey PRIMARY KEY (queue_id, call_id, sequence)
);

CREATE INDEX IF NOT EXISTS queue_events_at ON queue_events (at);
CREATE INDEX IF NOT EXISTS queue_events_queue_at ON queue_events (queue_id, at);
CREATE INDEX IF NOT EXISTS queue_events_call ON queue_events (call_id);
CREATE INDEX IF NOT EXISTS queue_events_agent_at ON queue_events (agent_id, at) WHERE agent_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Views for reports.
-- ---------------------------------------------------------------------------------------------

-- Each call with its wrap-up. The record is written when the call ends, before the agent's
-- wrap-up is over, so call_detail_records.wrap_up is often null; the agent's WrapUp interval for
-- the same call carries it. wrap_up here is the record's own value when it has one, else the
-- interval's; it stays null while the agent is still wrapping up (or when there was no wrap-up).
-- handle_time = talk + hold + wrap-up (the usual "average handle time" numerator).
CREATE OR REPLACE VIEW call_details AS
SELECT
    c.call_id,
    c.caller_number,
    c.called_number,
    c.service,
    c.region,
    c.queue_path,
    c.queue_id,
    cardinality(c.queue_path) > 1                    AS overflowed,
    c.agent_id,
    c.arrived_at,
    c.first_offered_at,
    c.answered_at,
    c.ended_at,
    c.wait,
    c.talk,
    c.hold,
    COALESCE(c.wrap_up, w.wrap_up)                   AS wrap_up,
    w.wrap_up_ended_at,
    c.talk + c.hold + COALESCE(c.wrap_up, w.wrap_up, interval '0') AS handle_time,
    c.outcome,
    c.ended_by,
    c.priority,
    c.offers,
    c.attached_data,
    c.survey_score,
    c.recording_path,
    c.detail,
    c.written_at
FROM call_detail_records c
LEFT JOIN LATERAL (
    SELECT sum(i.ended_at - i.started_at) AS wrap_up,
           max(i.ended_at)                AS wrap_up_ended_at
    FROM agent_state_intervals i
    WHERE i.call_id = c.call_id
      AND i.agent_id = c.agent_id
      AND i.state = 'WrapUp'
) w ON true;

-- One row per queue a call entered, in order; overflowed_from_previous is true for every queue
-- after the first, and left_by_overflow for every queue but the last.
CREATE OR REPLACE VIEW call_queue_visits AS
SELECT
    c.call_id,
    v.queue_id,
    v.position::integer                              AS position,
    v.position > 1                                   AS overflowed_from_previous,
    v.position < cardinality(c.queue_path)           AS left_by_overflow,
    c.arrived_at,
    c.outcome,
    c.agent_id,
    c.region
FROM call_detail_records c
CROSS JOIN LATERAL unnest(c.queue_path) WITH ORDINALITY AS v(queue_id, position);

-- Queue events counted per queue and 15-minute interval (UTC), one column per kind.
CREATE OR REPLACE VIEW queue_event_counts_15m AS
SELECT
    e.queue_id,
    date_bin(interval '15 minutes', e.at, timestamptz '2000-01-01 00:00:00+00') AS interval_start,
    count(*) FILTER (WHERE e.kind = 'Entered')       AS entered,
    count(*) FILTER (WHERE e.kind = 'Offered')       AS offered,
    count(*) FILTER (WHERE e.kind = 'OfferFailed')   AS offer_failed,
    count(*) FILTER (WHERE e.kind = 'Answered')      AS answered,
    count(*) FILTER (WHERE e.kind = 'Overflowed')    AS overflowed,
    count(*) FILTER (WHERE e.kind = 'Abandoned')     AS abandoned,
    count(*) FILTER (WHERE e.kind = 'TimedOut')      AS timed_out,
    count(*) FILTER (WHERE e.kind = 'Withdrawn')     AS withdrawn
FROM queue_events e
GROUP BY e.queue_id, date_bin(interval '15 minutes', e.at, timestamptz '2000-01-01 00:00:00+00');

-- Time each agent spent in each state per day (UTC). An interval is counted on the day it started.
CREATE OR REPLACE VIEW agent_state_daily AS
SELECT
    i.agent_id,
    (i.started_at AT TIME ZONE 'UTC')::date          AS day,
    i.state,
    count(*)                                         AS intervals,
    sum(i.ended_at - i.started_at)                   AS total
FROM agent_state_intervals i
GROUP BY i.agent_id, (i.started_at AT TIME ZONE 'UTC')::date, i.state;
