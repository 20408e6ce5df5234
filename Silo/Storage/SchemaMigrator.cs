using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace CallCenter.Silo.Storage;

/// <summary>One schema script: a file of deploy/sql/, embedded in this assembly.</summary>
/// <param name="Name">The file name, e.g. <c>0002-orleans-clustering.sql</c>; scripts run in ordinal order of it.</param>
/// <param name="Sql">The script text (byte-order mark removed, line ends normalised to LF).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Sql"/> as UTF-8: the checksum recorded when applied.</param>
public sealed record SchemaScript(string Name, string Sql, string Sha256)
{
    /// <summary>
    /// Builds a script from its text. Line ends are normalised before hashing so that a checkout
    /// with CRLF line ends (Windows, core.autocrlf) produces the same checksum as one with LF.
    /// </summary>
    public static SchemaScript FromText(string name, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(text);
        var sql = text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
        return new SchemaScript(name, sql, hash);
    }
}

/// <summary>A row of <c>schema_migrations</c>: a script applied to the database.</summary>
public sealed record AppliedScript(string Name, string Sha256, DateTimeOffset AppliedAt);

/// <summary>The schema could not be brought up to date; the message says why and names the script.</summary>
public sealed class SchemaMigrationException : Exception
{
    public SchemaMigrationException(string message, string? script = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Script = script;
    }

    /// <summary>The script concerned, when the problem is with one script.</summary>
    public string? Script { get; }
}

/// <summary>
/// Applies the versioned PostgreSQL schema: every deploy/sql/*.sql file embedded in this assembly
/// (resource names <c>Schema/&lt;file&gt;</c>), in ordinal order of file name.
/// <list type="bullet">
/// <item>Each script runs once, in its own transaction, together with its row in
/// <c>schema_migrations (name, sha256, applied_at)</c>: a script that fails leaves nothing behind
/// and is tried again next time. (So a script must not use statements that refuse to run in a
/// transaction, such as CREATE INDEX CONCURRENTLY.)</item>
/// <item>A session advisory lock serialises migrators: silos starting at the same time wait for
/// each other, and the later ones find nothing left to do.</item>
/// <item>A script already applied whose text has changed since (different SHA-256) stops
/// everything with an error naming the file, before any script runs: applied scripts are never
/// edited; a change goes into a new, higher-numbered file.</item>
/// <item>Rows for scripts this build does not carry (applied by a newer build) are reported, not
/// treated as errors, so an older silo can still start during a rolling upgrade.</item>
/// </list>
/// </summary>
public static class SchemaMigrator
{
    /// <summary>Manifest resource name prefix of the embedded scripts (see Silo.csproj).</summary>
    public const string ResourcePrefix = "Schema/";

    /// <summary>The <c>pg_advisory_lock</c> key held while migrating ("CCSCHEMA" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x4343_5343_4845_4D41;

    /// <summary>Longest time one script may run.</summary>
    public static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LockWaitReportInterval = TimeSpan.FromSeconds(10);

    private static readonly Lazy<IReadOnlyList<SchemaScript>> Embedded = new(LoadEmbeddedScripts);

    /// <summary>The scripts this build carries, in the order they are applied.</summary>
    public static IReadOnlyList<SchemaScript> EmbeddedScripts => Embedded.Value;

    /// <summary>
    /// Brings the database up to date with <see cref="EmbeddedScripts"/>. Returns the names of the
    /// scripts applied by this call, in order (empty when the schema was already up to date).
    /// </summary>
    /// <exception cref="SchemaMigrationException">Invalid connection string, server unreachable,
    /// a changed script, or a script that failed (the message names it).</exception>
    public static Task<IReadOnlyList<string>> ApplyAsync(string connectionString, ILogger? logger = null, CancellationToken ct = default) =>
        ApplyAsync(connectionString, EmbeddedScripts, logger, ct);

    /// <summary>As <see cref="ApplyAsync(string, ILogger?, CancellationToken)"/> with an explicit list of scripts (tools, tests).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, IReadOnlyList<SchemaScript> scripts, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scripts);
        var ordered = scripts.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var duplicate = ordered.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new SchemaMigrationException($"Schema script {duplicate.Key} is listed more than once", duplicate.Key);
        }

        await using var connection = await OpenAsync(connectionString, ct).ConfigureAwait(false);
        await AcquireLockAsync(connection, logger, ct).ConfigureAwait(false);
        try
        {
            Dictionary<string, AppliedScript> applied;
            try
            {
                await ExecuteAsync(connection, null, """
                    CREATE TABLE IF NOT EXISTS schema_migrations
                    (
                        name       text        NOT NULL,
                        sha256     text        NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now(),
                        CONSTRAINT schema_migrations_pkey PRIMARY KEY (name)
                    )
                    """, ct).ConfigureAwait(false);

                applied = (await ReadAppliedAsync(connection, ct).ConfigureAwait(false))
                    .ToDictionary(a => a.Name, StringComparer.Ordinal);
            }
            catch (NpgsqlException ex)
            {
                throw new SchemaMigrationException($"Cannot create or read schema_migrations: {ex.Message}", innerException: ex);
            }

            // Check everything before changing anything.
            foreach (var script in ordered)
            {
                if (applied.TryGetValue(script.Name, out var done) && !string.Equals(done.Sha256, script.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new SchemaMigrationException(
                        $"Schema script {script.Name} was applied on {done.AppliedAt:u} with checksum {done.Sha256}, " +
                        $"but this build carries it with checksum {script.Sha256}. Applied scripts must not change: " +
                        "restore the file and put the change in a new, higher-numbered script.",
                        script.Name);
                }
            }
            var unknown = applied.Keys.Except(ordered.Select(s => s.Name), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                logger?.LogWarning("The database has schema script(s) this build does not carry (applied by a newer build?): {Scripts}", string.Join(", ", unknown));
            }

            var appliedNow = new List<string>();
            var latest = applied.Keys.Max(StringComparer.Ordinal);
            foreach (var script in ordered.Where(s => !applied.ContainsKey(s.Name)))
            {
                if (latest is not null && StringComparer.Ordinal.Compare(script.Name, latest) < 0)
                {
                    logger?.LogWarning("Applying schema script {Script} after the later {Latest} (out of order)", script.Name, latest);
                }
                logger?.LogInformation("Applying schema script {Script} ({Sha256})", script.Name, script.Sha256);
                await ApplyScriptAsync(connection, script, ct).ConfigureAwait(false);
                appliedNow.Add(script.Name);
            }

            if (appliedNow.Count > 0)
            {
                logger?.LogInformation("Schema up to date: applied {Count} script(s): {Scripts}", appliedNow.Count, string.Join(", ", appliedNow));
            }
            else
            {
                logger?.LogInformation("Schema up to date: all {Count} script(s) already applied", ordered.Count);
            }
            return appliedNow;
        }
        finally
        {
            await ReleaseLockAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>The scripts recorded in <c>schema_migrations</c>, in name order (empty when the table does not exist).</summary>
    public static async Task<IReadOnlyList<AppliedScript>> ListAppliedAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(connectionString, ct).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection);
        if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not true)
        {
            return [];
        }
        return await ReadAppliedAsync(connection, ct).ConfigureAwait(false);
    }

    private static IReadOnlyList<SchemaScript> LoadEmbeddedScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded resource {resource} cannot be read");
            using var reader = new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
            scripts.Add(SchemaScript.FromText(resource[ResourcePrefix.Length..], reader.ReadToEnd()));
        }
        return scripts.OrderBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new SchemaMigrationException("No PostgreSQL connection string given");
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new SchemaMigrationException($"Invalid PostgreSQL connection string: {ex.Message}", innerException: ex);
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new SchemaMigrationException("Invalid PostgreSQL connection string: Host is missing");
        }
        // A connection of its own, never pooled: the session advisory lock must end with it.
        builder.Pooling = false;
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "callcenter-schema-migrator";
        }
        var where = $"{builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)}, database '{builder.Database ?? builder.Username}'";
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or IOException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new SchemaMigrationException($"Cannot connect to PostgreSQL at {where}: {ex.Message}", innerException: ex);
        }
    }

    private static async Task AcquireLockAsync(NpgsqlConnection connection, ILogger? logger, CancellationToken ct)
    {
        var waitingSince = DateTime.UtcNow;
        var reportedAt = waitingSince;
        while (true)
        {
            await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
            {
                command.Parameters.AddWithValue("key", AdvisoryLockKey);
                if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true)
                {
                    return;
                }
            }
            if (DateTime.UtcNow - reportedAt >= LockWaitReportInterval || reportedAt == waitingSince)
            {
                reportedAt = DateTime.UtcNow;
                logger?.LogInformation("Waiting for another schema migrator (advisory lock {Key}) for {Seconds:0} s", AdvisoryLockKey, (reportedAt - waitingSince).TotalSeconds);
            }
            await Task.Delay(LockPollInterval, ct).ConfigureAwait(false);
        }
    }

    private static async Task ReleaseLockAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            return;   // a broken connection has lost its session, and the lock with it
        }
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // Closing the (unpooled) connection ends the session, which releases the lock anyway.
        }
    }

    private static async Task<List<AppliedScript>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var applied = new List<AppliedScript>();
        await using var command = new NpgsqlCommand("SELECT name, sha256, applied_at FROM schema_migrations ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            applied.Add(new AppliedScript(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return applied;
    }

    private static async Task ApplyScriptAsync(NpgsqlConnection connection, SchemaScript script, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, transaction, script.Sql, ct).ConfigureAwait(false);
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (name, sha256) VALUES (@name, @sha256)", connection, transaction))
            {
                record.Parameters.AddWithValue("name", script.Name);
                record.Parameters.AddWithValue("sha256", script.Sha256);
                await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await transaction.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            // Npgsql runs the script's statements as one batch and does not say which one failed;
            // PostgreSQL's message (with the object it names) and its context tell.
            var context = string.Join("; ", new[] { ex.Detail, ex.Hint, ex.Where }.Where(s => !string.IsNullOrWhiteSpace(s)));
            throw new SchemaMigrationException(
                $"Schema script {script.Name} failed: {ex.SqlState} {ex.MessageText}{(context.Length == 0 ? "" : $" ({context})")}; nothing of it was applied",
                script.Name, ex);
        }
        catch (NpgsqlException ex)
        {
            throw new SchemaMigrationException($"Schema script {script.Name} failed: {ex.Message}; nothing of it was applied", script.Name, ex);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = (int)ScriptTimeout.TotalSeconds };
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
