-- Orleans on PostgreSQL, part 1: the query catalogue.
--
-- The Orleans ADO.NET providers (Microsoft.Orleans.Clustering.AdoNet, .Persistence.AdoNet and
-- .Reminders.AdoNet 10.4.2, invariant "Npgsql") ship no SQL of their own. At start-up each of
-- them runs `SELECT QueryKey, QueryText FROM OrleansQuery` and from then on executes the text it
-- finds under each key, binding its parameters by name (@DeploymentId, @GrainIdHash, ...) and
-- reading the result columns by name. A provider that misses one of its keys refuses to start
-- ("Not all required queries found. Missing are: ...").
--
-- The statements are ours: 0002 (membership), 0003 (grain state) and 0004 (reminders) each fill
-- in the keys of one provider, next to the tables and functions those statements use.
--
-- Identifiers are unquoted, so PostgreSQL folds them to lower case (orleansquery, querykey...);
-- the providers' unquoted SQL and Npgsql's case-insensitive column lookup both cope with that.
--
-- Idempotent: applying it again changes nothing.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    -- The key a provider asks for, e.g. 'MembershipReadAllKey'.
    QueryKey  varchar(64) NOT NULL,
    -- The statement run for that key, with the provider's named parameters.
    QueryText text        NOT NULL,

    CONSTRAINT orleansquery_pkey PRIMARY KEY (QueryKey),
    CONSTRAINT orleansquery_text_not_blank CHECK (btrim(QueryText) <> '')
);

COMMENT ON TABLE OrleansQuery IS
    'SQL statements the Orleans ADO.NET providers run, by key. Maintained by deploy/sql/*.sql; do not edit by hand.';
