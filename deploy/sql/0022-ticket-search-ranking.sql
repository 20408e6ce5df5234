-- Ticket search over the history and the on-time ranking of departments (issue 6, TKT-5, TKT-6).
-- The same rules as Grains/Tickets/TicketIndexing.cs, which answers in memory mode; a Database
-- test holds the two to each other. Idempotent: safe to apply again.

-- Searching by ticket id prefix or substring and by department needs these besides the primary key.
CREATE INDEX IF NOT EXISTS ticket_events_department ON ticket_events (department_id);
CREATE INDEX IF NOT EXISTS ticket_events_target ON ticket_events (target) WHERE target IS NOT NULL;

-- One row per ticket. The Created event carries the customer as its target and
-- "<Category> from <Source>: <Title>" as its detail; the state is the last event's; the holder is
-- the target of the last move (dispatch, transfer, return, reply, reply returned), or the center
-- when creating, closing, a survey or a reopen came last.
CREATE OR REPLACE VIEW ticket_search AS
SELECT c.ticket_id,
       CASE WHEN strpos(c.detail, ': ') > 0 THEN substr(c.detail, strpos(c.detail, ': ') + 2) ELSE '' END AS title,
       coalesce(c.target, '')                                   AS customer,
       split_part(c.detail, ' ', 1)                             AS category,
       last.status_after                                        AS status,
       CASE WHEN moved.kind IN ('Dispatched', 'Transferred', 'Returned', 'Replied', 'ReplyReturned') AND moved.target IS NOT NULL
            THEN moved.target ELSE c.department_id END          AS holder,
       c.at                                                     AS created_at,
       last.at                                                  AS updated_at
FROM ticket_events c
CROSS JOIN LATERAL (
    SELECT l.status_after, l.at FROM ticket_events l WHERE l.ticket_id = c.ticket_id ORDER BY l.sequence DESC LIMIT 1) last
CROSS JOIN LATERAL (
    SELECT m.kind, m.target FROM ticket_events m
    WHERE m.ticket_id = c.ticket_id
      AND m.kind IN ('Created', 'Dispatched', 'Transferred', 'Returned', 'Replied', 'ReplyReturned', 'Closed', 'Reopened', 'Surveyed')
    ORDER BY m.sequence DESC LIMIT 1) moved
WHERE c.kind = 'Created';

-- One row per department that replied on a ticket: received at its first dispatch or transfer
-- there, completed at its last reply; extensions approved for it; overdue when the ticket
-- escalated while it held it. On time means neither (TKT-6: an approved extension no longer
-- counts as completed on time).
CREATE OR REPLACE VIEW ticket_unit_completions AS
SELECT r.ticket_id,
       r.department_id,
       coalesce(
           (SELECT min(a.at) FROM ticket_events a
            WHERE a.ticket_id = r.ticket_id AND a.kind IN ('Dispatched', 'Transferred') AND a.target = r.department_id),
           (SELECT c.at FROM ticket_events c WHERE c.ticket_id = r.ticket_id AND c.kind = 'Created' LIMIT 1)) AS received_at,
       max(r.at) AS completed_at,
       (SELECT count(*) FROM ticket_events x
        WHERE x.ticket_id = r.ticket_id AND x.kind = 'ExtensionApproved' AND x.target = r.department_id) AS extensions,
       EXISTS (SELECT 1 FROM ticket_events x
               WHERE x.ticket_id = r.ticket_id AND x.kind = 'Escalated' AND x.department_id = r.department_id) AS overdue
FROM ticket_events r
WHERE r.kind = 'Replied'
GROUP BY r.ticket_id, r.department_id;

-- The monthly ranking (months in UTC): on-time rate, then fewer repeated extensions (each beyond a ticket's
-- first), fewer overdue, more completed; equal lines share a rank. Handling time here is wall-clock
-- time; the web page shows business time by the center's calendar, which SQL does not know.
CREATE OR REPLACE VIEW ticket_unit_ranking AS
WITH monthly AS (
    SELECT department_id,
           date_trunc('month', completed_at AT TIME ZONE 'UTC')               AS month,
           count(*)                                                           AS completed,
           count(*) FILTER (WHERE NOT overdue AND extensions = 0)             AS on_time,
           count(*) FILTER (WHERE overdue)                                    AS overdue,
           sum(extensions)                                                    AS extensions,
           sum(greatest(extensions - 1, 0))                                   AS repeated_extensions,
           avg(completed_at - received_at)                                    AS average_wall_handling
    FROM ticket_unit_completions
    GROUP BY department_id, date_trunc('month', completed_at AT TIME ZONE 'UTC'))
SELECT department_id, month, completed, on_time,
       round(on_time::numeric / completed, 4) AS on_time_rate,
       overdue, extensions, repeated_extensions, average_wall_handling,
       rank() OVER (PARTITION BY month ORDER BY on_time::numeric / completed DESC, repeated_extensions, overdue, completed DESC) AS rank
FROM monthly;
