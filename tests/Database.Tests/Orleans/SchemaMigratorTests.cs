using CallCenter.Silo.Storage;

namespace CallCenter.Database.Tests.OrleansStore;

[Collection(PostgresCollection.Name)]
public sealed class SchemaMigratorTests(PostgresFixture postgres)
{
    [Fact]
    public void Every_deploy_sql_file_is_embedded_in_name_order()
    {
        var onDisk = Directory.GetFiles(Path.Combine(PostgresFixture.RepositoryRoot, "deploy", "sql"), "*.sql")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var embedded = SchemaMigrator.EmbeddedScripts.Select(s => s.Name).ToArray();

        Assert.Equal(onDisk, embedded);
        Assert.Contains("0001-orleans-base.sql", embedded);
        Assert.Contains("0002-orleans-clustering.sql", embedded);
        Assert.Contains("0003-orleans-persistence.sql", embedded);
        Assert.Contains("0004-orleans-reminders.sql", embedded);
        foreach (var script in SchemaMigrator.EmbeddedScripts)
        {
            var text = File.ReadAllText(Path.Combine(PostgresFixture.RepositoryRoot, "deploy", "sql", script.Name));
            Assert.Equal(SchemaScript.FromText(script.Name, text).Sha256, script.Sha256);
        }
    }

    [Fact]
    public void Checksums_do_not_depend_on_line_ends()
    {
        var lf = SchemaScript.FromText("x.sql", "SELECT 1;\nSELECT 2;\n");
        var crlf = SchemaScript.FromText("x.sql", "\uFEFFSELECT 1;\r\nSELECT 2;\r\n");
        Assert.Equal(lf.Sha256, crlf.Sha256);
        Assert.NotEqual(lf.Sha256, SchemaScript.FromText("x.sql", "SELECT 1;\nSELECT 3;\n").Sha256);
    }

    [Fact]
    public async Task A_fresh_database_gets_every_script_once_and_a_second_run_changes_nothing()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var expected = SchemaMigrator.EmbeddedScripts.Select(s => s.Name).ToArray();

        var first = await SchemaMigrator.ApplyAsync(connectionString);

        Assert.Equal(expected, first);
        var recorded = await SchemaMigrator.ListAppliedAsync(connectionString);
        Assert.Equal(expected, recorded.Select(r => r.Name));
        Assert.Equal(SchemaMigrator.EmbeddedScripts.Select(s => s.Sha256), recorded.Select(r => r.Sha256));
        var before = await SnapshotAsync(connectionString);

        var second = await SchemaMigrator.ApplyAsync(connectionString);

        Assert.Empty(second);
        Assert.Equal(before, await SnapshotAsync(connectionString));
        Assert.Equal(recorded, await SchemaMigrator.ListAppliedAsync(connectionString));
    }

    [Fact]
    public async Task The_scripts_themselves_can_be_applied_twice()
    {
        // Each file is idempotent on its own (CREATE ... IF NOT EXISTS, CREATE OR REPLACE,
        // upserts), so running one again by hand is harmless.
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var before = await SnapshotAsync(connectionString);
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var script in SchemaMigrator.EmbeddedScripts)
        {
            await using var command = new Npgsql.NpgsqlCommand(script.Sql, connection);
            await command.ExecuteNonQueryAsync();
        }
        Assert.Equal(before, await SnapshotAsync(connectionString));
    }

    [Fact]
    public async Task A_changed_script_is_refused_with_its_name_and_nothing_runs()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        await PostgresSilo.ScalarAsync<int>(connectionString,
            "UPDATE schema_migrations SET sha256 = 'deadbeef' WHERE name = '0003-orleans-persistence.sql'");
        var extra = SchemaScript.FromText("9999-test-later.sql", "CREATE TABLE later_table (id integer);");

        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() =>
            SchemaMigrator.ApplyAsync(connectionString, [.. SchemaMigrator.EmbeddedScripts, extra]));

        Assert.Equal("0003-orleans-persistence.sql", error.Script);
        Assert.Contains("0003-orleans-persistence.sql", error.Message);
        Assert.Contains("deadbeef", error.Message);
        Assert.False(await PostgresSilo.ScalarAsync<bool>(connectionString, "SELECT to_regclass('later_table') IS NOT NULL"));
    }

    [Fact]
    public async Task A_script_added_later_is_applied_alone_and_a_failing_one_leaves_nothing()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var later = SchemaScript.FromText("9998-test-later.sql", "CREATE TABLE later_table (id integer);\nINSERT INTO later_table VALUES (1);\n");
        var broken = SchemaScript.FromText("9999-test-broken.sql", "CREATE TABLE broken_table (id integer);\nSELECT no_such_column FROM later_table;\n");

        Assert.Equal(["9998-test-later.sql"], await SchemaMigrator.ApplyAsync(connectionString, [.. SchemaMigrator.EmbeddedScripts, later]));

        var error = await Assert.ThrowsAsync<SchemaMigrationException>(() =>
            SchemaMigrator.ApplyAsync(connectionString, [.. SchemaMigrator.EmbeddedScripts, later, broken]));
        Assert.Equal("9999-test-broken.sql", error.Script);
        Assert.Contains("9999-test-broken.sql", error.Message);
        Assert.Contains("no_such_column", error.Message);
        Assert.False(await PostgresSilo.ScalarAsync<bool>(connectionString, "SELECT to_regclass('broken_table') IS NOT NULL"));
        Assert.DoesNotContain("9999-test-broken.sql", (await SchemaMigrator.ListAppliedAsync(connectionString)).Select(a => a.Name));
    }

    [Fact]
    public async Task Three_silos_migrating_at_once_apply_each_script_exactly_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => SchemaMigrator.ApplyAsync(connectionString))));

        var applied = runs.SelectMany(r => r).ToArray();
        Assert.Equal(SchemaMigrator.EmbeddedScripts.Select(s => s.Name).Order(StringComparer.Ordinal), applied.Order(StringComparer.Ordinal));
        Assert.Equal(2, runs.Count(r => r.Count == 0));
        Assert.Equal(SchemaMigrator.EmbeddedScripts.Count, (await SchemaMigrator.ListAppliedAsync(connectionString)).Count);
    }

    [Fact]
    public async Task A_bad_connection_string_or_an_unreachable_server_is_a_clear_error()
    {
        var badKeyword = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.ApplyAsync("Hots=127.0.0.1;Database=x"));
        Assert.Contains("connection string", badKeyword.Message);

        var noHost = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.ApplyAsync("Database=x;Username=y"));
        Assert.Contains("Host is missing", noHost.Message);

        var port = PostgresSilo.FreeLoopbackPort();
        var unreachable = await Assert.ThrowsAsync<SchemaMigrationException>(() =>
            SchemaMigrator.ApplyAsync($"Host=127.0.0.1;Port={port};Username=callcenter;Database=nowhere;Timeout=5"));
        Assert.Contains($"127.0.0.1:{port}", unreachable.Message);
        Assert.Contains("Cannot connect", unreachable.Message);
    }

    /// <summary>Everything a migration could change: objects, function bodies, stored queries, migration rows.</summary>
    private static async Task<string> SnapshotAsync(string connectionString)
    {
        var rows = await PostgresSilo.RowsAsync(connectionString, """
            SELECT 'rel ' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'fn ' || p.proname || ' ' || md5(p.prosrc)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'query ' || querykey || ' ' || md5(querytext) FROM orleansquery
            UNION ALL
            SELECT 'migration ' || name || ' ' || sha256 || ' ' || applied_at::text FROM schema_migrations
            ORDER BY 1
            """);
        return string.Join("\n", rows.Select(r => (string?)r[0]));
    }
}
