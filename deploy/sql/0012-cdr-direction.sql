-- Click-to-dial (CTI-4): a record says whether the customer called in or an agent dialled out.
-- Outbound records name the agent's line as caller and the customer's number as called_number.
ALTER TABLE call_detail_records ADD COLUMN IF NOT EXISTS direction text NOT NULL DEFAULT 'Inbound';
