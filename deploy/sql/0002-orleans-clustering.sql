-- Orleans on PostgreSQL, part 2: cluster membership (Microsoft.Orleans.Clustering.AdoNet 10.4.2).
--
-- Silos and clients find each other through these two tables. Orleans' membership protocol
-- needs an optimistic-concurrency token for the whole table of one deployment (ClusterId, which
-- the provider calls DeploymentId): every insert or update of a silo row must name the table
-- version it read, and succeeds only if nobody changed the table since; the version then goes up
-- by one. Heartbeats (IAmAliveTime) are the exception: they touch only the silo's own row and
-- leave the version alone.
--
-- What the provider sends and reads (from the 10.4.2 assembly):
--   parameters  @DeploymentId @Address @Port @Generation @SiloName @HostName @Status @ProxyPort
--               @StartTime @IAmAliveTime @SuspectTimes @Version (all typed: text, integer,
--               timestamptz in UTC)
--   row reads   Address, Port, Generation, SiloName, HostName, Status, ProxyPort, SuspectTimes,
--               StartTime, IAmAliveTime and the table's Version; a row whose StartTime is NULL
--               means "the version row exists but no silo matched" (hence the LEFT JOINs).
--   writes      return a single column that is read as a boolean (1 = done, 0 = conflict).
--   SiloStatus  3 = Active, 6 = Dead.
--
-- Idempotent: applying it again changes nothing.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),   -- last change of the table version
    Version      integer      NOT NULL DEFAULT 0,

    CONSTRAINT orleansmembershipversiontable_pkey PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,   -- IPv4 or IPv6 text form
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,   -- distinguishes restarts of a silo on the same endpoint
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,   -- Orleans.Runtime.SiloStatus
    ProxyPort    integer      NOT NULL DEFAULT 0,   -- gateway port; 0 when the silo is no gateway
    SuspectTimes text         NULL,       -- "silo,time|silo,time", written and parsed by Orleans
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,

    CONSTRAINT orleansmembershiptable_pkey PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT orleansmembershiptable_deployment_fkey FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Creates the version row of a deployment once; 1 when this call created it, 0 when it existed.
CREATE OR REPLACE FUNCTION orleans_membership_version_create(p_deployment_id text)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (p_deployment_id)
    ON CONFLICT (DeploymentId) DO NOTHING;

    RETURN CASE WHEN FOUND THEN 1 ELSE 0 END;
END
$fn$;

-- Adds a silo row if the caller still holds the current table version. All or nothing: the
-- version row is locked first (a concurrent writer that got there before us has already moved
-- the version on, so the re-checked condition fails and we return 0 without writing), then the
-- silo row is inserted, then the version is bumped.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id  text,
    p_address        text,
    p_port           integer,
    p_generation     integer,
    p_silo_name      text,
    p_host_name      text,
    p_status         integer,
    p_proxy_port     integer,
    p_start_time     timestamptz,
    p_i_am_alive     timestamptz,
    p_table_version  integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = p_deployment_id
      AND Version = p_table_version
      AND Version < 2147483647
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;   -- stale table version: Orleans re-reads the table and tries again
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
         StartTime, IAmAliveTime)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
         coalesce(p_proxy_port, 0), p_start_time, p_i_am_alive)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;   -- this silo (same endpoint and generation) is already in the table
    END IF;

    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1,
        Timestamp = now()
    WHERE DeploymentId = p_deployment_id;

    RETURN 1;
END
$fn$;

-- Changes a silo's status and suspicions if the caller still holds the current table version;
-- same locking scheme as orleans_membership_insert. A heartbeat that landed meanwhile is kept:
-- IAmAliveTime never goes backwards.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id  text,
    p_address        text,
    p_port           integer,
    p_generation     integer,
    p_status         integer,
    p_suspect_times  text,
    p_i_am_alive     timestamptz,
    p_table_version  integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = p_deployment_id
      AND Version = p_table_version
      AND Version < 2147483647
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = p_status,
        SuspectTimes = p_suspect_times,
        IAmAliveTime = greatest(IAmAliveTime, p_i_am_alive)
    WHERE DeploymentId = p_deployment_id
      AND Address = p_address
      AND Port = p_port
      AND Generation = p_generation;
    IF NOT FOUND THEN
        RETURN 0;   -- no such silo row: nothing changed, the version stays
    END IF;

    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1,
        Timestamp = now()
    WHERE DeploymentId = p_deployment_id;

    RETURN 1;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    'InsertMembershipVersionKey',
    $sql$SELECT orleans_membership_version_create(@DeploymentId) AS Created;$sql$
),
(
    'InsertMembershipKey',
    $sql$SELECT orleans_membership_insert(
    @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
    @StartTime, @IAmAliveTime, @Version) AS Inserted;$sql$
),
(
    'UpdateMembershipKey',
    $sql$SELECT orleans_membership_update(
    @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime,
    @Version) AS Updated;$sql$
),
(
    -- Heartbeat: the silo's own row only, no version change, never moves time backwards.
    'UpdateIAmAlivetimeKey',
    $sql$UPDATE OrleansMembershipTable
SET IAmAliveTime = greatest(IAmAliveTime, @IAmAliveTime)
WHERE DeploymentId = @DeploymentId
  AND Address = @Address
  AND Port = @Port
  AND Generation = @Generation;$sql$
),
(
    -- One silo. The version row always comes back (LEFT JOIN), with NULL silo columns when the
    -- silo is not in the table.
    'MembershipReadRowKey',
    $sql$SELECT
    v.DeploymentId,
    m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
    m.SuspectTimes, m.StartTime, m.IAmAliveTime,
    v.Version
FROM OrleansMembershipVersionTable AS v
LEFT JOIN OrleansMembershipTable AS m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address
      AND m.Port = @Port
      AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;$sql$
),
(
    'MembershipReadAllKey',
    $sql$SELECT
    v.DeploymentId,
    m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
    m.SuspectTimes, m.StartTime, m.IAmAliveTime,
    v.Version
FROM OrleansMembershipVersionTable AS v
LEFT JOIN OrleansMembershipTable AS m
       ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;$sql$
),
(
    -- Gateways for clients: active silos that listen for clients (@Status is 3, Active).
    'GatewaysQueryKey',
    $sql$SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Status = @Status
  AND ProxyPort > 0;$sql$
),
(
    -- Forgets a whole deployment (used by tests and tooling), silo rows first, then its version.
    'DeleteMembershipTableEntriesKey',
    $sql$WITH silos AS (
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId
)
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;$sql$
),
(
    -- Dead-silo clean-up, per silo: the provider reads the table, picks Dead rows older than its
    -- cut-off and hands each back with the values it read; the row goes only if none of them
    -- changed meanwhile. Empty and NULL suspicion lists count as equal. No version change.
    'CleanupDefunctSiloEntryKey',
    $sql$DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Address = @Address
  AND Port = @Port
  AND Generation = @Generation
  AND Status = 6
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND coalesce(SuspectTimes, '') = coalesce(@SuspectTimes, '');$sql$
),
(
    -- Dead-silo clean-up in one statement (used only when the per-silo key above is absent):
    -- Dead rows with no suspicions whose start and last heartbeat are both before the cut-off
    -- passed in @IAmAliveTime.
    'CleanupDefunctSiloEntriesKey',
    $sql$DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND Status = 6
  AND IAmAliveTime < @IAmAliveTime
  AND StartTime < @IAmAliveTime
  AND coalesce(SuspectTimes, '') = '';$sql$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
