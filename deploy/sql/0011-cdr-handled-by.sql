-- Every agent who handled a call, in the order they answered (a transferred call names several;
-- agent_id stays the last one).
ALTER TABLE call_detail_records ADD COLUMN IF NOT EXISTS handled_by text[] NOT NULL DEFAULT '{}';
