using CallCenter.Database.Tests.OrleansStore;
using CallCenter.Security;
using CallCenter.Silo.History;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static CallCenter.Database.Tests.History.HistoryTestSupport;

namespace CallCenter.Database.Tests.Audit;

/// <summary>
/// The audit log in PostgreSQL (ADM-1): entries reach the audit_log table through the batched
/// history writer, every field in its column, once each even when a batch is written again; and a
/// silo on PostgreSQL sends what its audit log grain records there.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditLogTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static AuditHistoryRecord Entry(string action, int i, string? address = "10.1.2.3") =>
        new(Guid.NewGuid(), SecurityKeys.AuditLog,
            new AuditEntry(Epoch.AddSeconds(i), $"user-{i}", action, $"agent:a{i}", i % 2 == 0 ? null : $"detail {i}", address));

    [Fact]
    public async Task Audit_entries_reach_their_table_once_each_with_every_field()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        var writer = await StartWriterAsync(Options(connectionString, folder));
        try
        {
            var entries = Enumerable.Range(0, 50).Select(i => Entry("force-not-ready", i, i == 7 ? null : "10.1.2.3")).ToList();
            foreach (var entry in entries)
            {
                Assert.True(writer.WriteAsync(entry).IsCompletedSuccessfully, "WriteAsync must not block the grain");
            }
            // The same entries again (a batch replayed after an outage or from the spill folder).
            foreach (var entry in entries.Take(10))
            {
                await writer.WriteAsync(entry);
            }
            // Written after the replayed ones: once it is in, the replays were written before it (in order).
            var last = Entry("logout", 99);
            await writer.WriteAsync(last);
            await EventuallyAsync(async () => await ScalarAsync(connectionString, $"SELECT count(*) FROM audit_log WHERE id = '{last.Id}'") == 1, "the last audit entry written");
            Assert.Equal(51, await ScalarAsync(connectionString, "SELECT count(*) FROM audit_log"));

            var seven = entries[7];
            var row = await ColumnAsync(connectionString,
                $"SELECT concat_ws('|', log, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), user_name, action, target, coalesce(detail, '-'), coalesce(remote_address, '-')) FROM audit_log WHERE id = '{seven.Id}'");
            Assert.Equal($"{SecurityKeys.AuditLog}|2025-03-04 08:00:07|user-7|force-not-ready|agent:a7|detail 7|-", Assert.Single(row));
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
    }

    [Fact]
    public void An_audit_entry_survives_the_spill_format()
    {
        var entry = Entry("configure-queue", 3);
        var parsed = SpillFormat.Parse(SpillFormat.ToLine(entry));
        Assert.Equal(entry, parsed);
    }

    [Fact]
    public async Task A_silo_on_postgres_writes_what_its_audit_log_grain_records_to_the_table()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var folder = NewFolder();
        var silo = await PostgresSilo.StartAsync(connectionString, ClusterIdentity.New(), output,
            configure: s => s.Services.AddPostgresHistory(Options(connectionString, folder)));
        try
        {
            var log = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IAuditLogGrain>(SecurityKeys.AuditLog);
            await log.Record(new AuditEntry(DateTimeOffset.UtcNow, "supervisor", "add-to-queue", "agent:bj-01", "queue:hotline-sh level 2", "127.0.0.1"));
            await log.Record(new AuditEntry(DateTimeOffset.UtcNow, "anonymous", "login-failed", "nobody", null, "192.0.2.9"));
            await Assert.ThrowsAsync<ArgumentException>(() => log.Record(new AuditEntry(DateTimeOffset.UtcNow, " ", "login", "x", null, null)));

            await EventuallyAsync(async () => await ScalarAsync(connectionString, "SELECT count(*) FROM audit_log") == 2, "the grain's entries in audit_log");
            Assert.Equal(["add-to-queue supervisor 127.0.0.1", "login-failed anonymous 192.0.2.9"],
                await ColumnAsync(connectionString, "SELECT action || ' ' || user_name || ' ' || remote_address FROM audit_log ORDER BY action"));
            // The grain keeps its own recent log for the audit page as before.
            Assert.Equal(2, (await log.Recent(10)).Length);
        }
        finally
        {
            await silo.StopAsync();
            silo.Dispose();
            DeleteFolder(folder);
        }
    }
}
