-- Orleans on PostgreSQL, part 3: grain state (Microsoft.Orleans.Persistence.AdoNet 10.4.2).
--
-- One row per grain state: (service, grain type, grain id). The provider identifies a grain by
--   @ServiceId               ClusterOptions.ServiceId
--   @GrainTypeString         the grain's state type name, @GrainTypeHash its 32-bit hash
--   @GrainIdN0, @GrainIdN1   the numeric part of the key (0, 0 for string keys)
--   @GrainIdExtensionString  the string key or key extension, NULL when there is none
--   @GrainIdHash             a 32-bit hash of the whole id
-- and sends @GrainStateVersion (the ETag it holds, NULL when it never saw a row) and
-- @PayloadBinary (the serialized state). It reads PayloadBinary and Version back.
--
-- Optimistic concurrency, which the provider relies on: every write names the version it read.
-- The write, clear and delete statements always return exactly one row holding the new version,
-- or NULL when the version named is not the stored one (or, for a first write, when a row
-- already exists). The provider turns that NULL into an InconsistentStateException, so two
-- activations of one grain (or a stale copy of its state) can never overwrite each other.
--
-- Idempotent: applying it again changes nothing.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        text         NOT NULL,
    GrainIdExtensionString text         NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,   -- NULL after a clear (the row and its version stay)
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL   -- 1 on first write, +1 on every change
);

-- One row per grain state, enforced by the database rather than by a read-then-insert, so two
-- racing first writes cannot both succeed. The strings go in as md5 digests to keep index
-- entries small whatever the key length; a NULL extension and an empty one stay distinct.
-- Lookups use the leading hash and key columns.
CREATE UNIQUE INDEX IF NOT EXISTS orleansstorage_grain_key
    ON OrleansStorage (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1,
                       md5(GrainTypeString), (coalesce(md5(GrainIdExtensionString), '')));

-- Stores a state. p_expected_version NULL: first write, inserts version 1 unless a row exists.
-- Otherwise: replaces the payload only if the stored version is the expected one.
-- Returns the new version, or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_write(
    p_grain_id_hash     integer,
    p_grain_id_n0       bigint,
    p_grain_id_n1       bigint,
    p_grain_type_hash   integer,
    p_grain_type        text,
    p_grain_id_ext      text,
    p_service_id        text,
    p_expected_version  integer,
    p_payload           bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO OrleansStorage AS s
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
             GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES
            (p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_type_hash, p_grain_type,
             p_grain_id_ext, p_service_id, p_payload, now(), 1)
        ON CONFLICT DO NOTHING
        RETURNING s.Version INTO v_new_version;
    ELSE
        UPDATE OrleansStorage AS s
        SET PayloadBinary = p_payload,
            ModifiedOn = now(),
            Version = s.Version + 1
        WHERE s.GrainIdHash = p_grain_id_hash
          AND s.GrainTypeHash = p_grain_type_hash
          AND s.ServiceId = p_service_id
          AND s.GrainIdN0 = p_grain_id_n0
          AND s.GrainIdN1 = p_grain_id_n1
          AND s.GrainTypeString = p_grain_type
          AND s.GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND s.Version = p_expected_version
        RETURNING s.Version INTO v_new_version;
    END IF;

    RETURN v_new_version;
END
$fn$;

-- Clears a state but keeps its row, so the version keeps counting (the provider's default,
-- DeleteStateOnClear = false). Returns the new version, or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_clear(
    p_grain_id_hash     integer,
    p_grain_id_n0       bigint,
    p_grain_id_n1       bigint,
    p_grain_type_hash   integer,
    p_grain_type        text,
    p_grain_id_ext      text,
    p_service_id        text,
    p_expected_version  integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new_version integer;
BEGIN
    UPDATE OrleansStorage AS s
    SET PayloadBinary = NULL,
        ModifiedOn = now(),
        Version = s.Version + 1
    WHERE s.GrainIdHash = p_grain_id_hash
      AND s.GrainTypeHash = p_grain_type_hash
      AND s.ServiceId = p_service_id
      AND s.GrainIdN0 = p_grain_id_n0
      AND s.GrainIdN1 = p_grain_id_n1
      AND s.GrainTypeString = p_grain_type
      AND s.GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
      AND s.Version = p_expected_version
    RETURNING s.Version INTO v_new_version;

    RETURN v_new_version;
END
$fn$;

-- Deletes a state row (DeleteStateOnClear = true). Returns a version one above the deleted
-- row's (any non-NULL value tells the provider it worked), or NULL on a version conflict.
CREATE OR REPLACE FUNCTION orleans_storage_delete(
    p_grain_id_hash     integer,
    p_grain_id_n0       bigint,
    p_grain_id_n1       bigint,
    p_grain_type_hash   integer,
    p_grain_type        text,
    p_grain_id_ext      text,
    p_service_id        text,
    p_expected_version  integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_deleted_version integer;
BEGIN
    DELETE FROM OrleansStorage AS s
    WHERE s.GrainIdHash = p_grain_id_hash
      AND s.GrainTypeHash = p_grain_type_hash
      AND s.ServiceId = p_service_id
      AND s.GrainIdN0 = p_grain_id_n0
      AND s.GrainIdN1 = p_grain_id_n1
      AND s.GrainTypeString = p_grain_type
      AND s.GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
      AND s.Version = p_expected_version
    RETURNING s.Version INTO v_deleted_version;

    RETURN v_deleted_version + 1;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- At most one row; no row means the grain has no stored state yet.
    'ReadFromStorageKey',
    $sql$SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash
  AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0
  AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;$sql$
),
(
    'WriteToStorageKey',
    $sql$SELECT orleans_storage_write(
    @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
    @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion;$sql$
),
(
    'ClearStorageKey',
    $sql$SELECT orleans_storage_clear(
    @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
    @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion;$sql$
),
(
    'DeleteStorageKey',
    $sql$SELECT orleans_storage_delete(
    @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
    @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion;$sql$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
