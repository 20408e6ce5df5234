-- Orleans on PostgreSQL, part 4: reminders (Microsoft.Orleans.Reminders.AdoNet 10.4.2).
--
-- One row per (service, grain, reminder name). What the 10.4.2 provider sends and reads:
--   parameters  @ServiceId @GrainId (GrainId.ToString()) @ReminderName @StartTime (UTC)
--               @Period (milliseconds; integer, or bigint beyond 24.8 days) @GrainHash
--               @BeginHash @EndHash (the grain's uniform hash, as a signed 32-bit integer)
--               @Version (the ETag to delete with)
--   row reads   GrainId, ReminderName, StartTime, Period, Version
-- The reminder service of each silo loads the reminders of its hash range:
--   ReadRangeRows1Key  (BeginHash, EndHash]            when BeginHash < EndHash
--   ReadRangeRows2Key  above BeginHash or to EndHash   when the range wraps around
-- Note: newer Orleans sources (after 10.4.2) add cron/priority columns to this table; the
-- 10.4.2 provider neither sends nor reads them, so they are not here. Add them with the
-- provider upgrade that needs them.
--
-- Idempotent: applying it again changes nothing.

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      text         NOT NULL,
    ReminderName text         NOT NULL,
    StartTime    timestamptz  NOT NULL,   -- first due time; ticks follow every Period after it
    Period       bigint       NOT NULL,   -- milliseconds
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,   -- the reminder's ETag: 0 when created, +1 per update

    CONSTRAINT orleansreminderstable_pkey PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Range loads by each silo's reminder service.
CREATE INDEX IF NOT EXISTS orleansreminderstable_service_hash
    ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- Creates or replaces a reminder; returns its new ETag in a column named Version.
    'UpsertReminderRowKey',
    $sql$INSERT INTO OrleansRemindersTable AS r
    (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
SET StartTime = EXCLUDED.StartTime,
    Period = EXCLUDED.Period,
    GrainHash = EXCLUDED.GrainHash,
    Version = r.Version + 1
RETURNING r.Version AS Version;$sql$
),
(
    'ReadReminderRowsKey',
    $sql$SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND GrainId = @GrainId;$sql$
),
(
    'ReadReminderRowKey',
    $sql$SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND GrainId = @GrainId
  AND ReminderName = @ReminderName;$sql$
),
(
    'ReadRangeRows1Key',
    $sql$SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND GrainHash > @BeginHash
  AND GrainHash <= @EndHash;$sql$
),
(
    'ReadRangeRows2Key',
    $sql$SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);$sql$
),
(
    -- Deletes a reminder only if it still has the ETag the caller holds; one boolean column.
    'DeleteReminderRowKey',
    $sql$WITH removed AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId
      AND GrainId = @GrainId
      AND ReminderName = @ReminderName
      AND Version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM removed) AS Deleted;$sql$
),
(
    -- Every reminder of the service (test clean-up).
    'DeleteReminderRowsKey',
    $sql$DELETE FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId;$sql$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
