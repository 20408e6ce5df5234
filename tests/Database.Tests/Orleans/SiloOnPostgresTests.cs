using System.Diagnostics;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Xunit.Abstractions;

namespace CallCenter.Database.Tests.OrleansStore;

/// <summary>
/// A real silo on a fresh database through <see cref="PostgresStorageExtensions.UsePostgres"/>:
/// membership rows, grain state and reminders survive a full restart of the cluster.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloOnPostgresTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task State_membership_and_reminders_survive_a_full_cluster_restart()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var cluster = ClusterIdentity.New();
        var notebookKey = $"agent-{Guid.NewGuid():N}";
        var ledgerKey = Guid.NewGuid();
        var probeKey = $"probe-{Guid.NewGuid():N}";
        const string reminderName = "wake-up";
        var period = TimeSpan.FromMinutes(1);
        // Due after the restart below (which takes a few seconds), well before a whole period.
        var dueTime = TimeSpan.FromSeconds(12);
        var clock = Stopwatch.StartNew();

        // First life of the cluster: one silo.
        var first = await PostgresSilo.StartAsync(connectionString, cluster, output);
        DateTime reminderRegisteredAt;
        try
        {
            var grains = first.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<INotebookGrain>(notebookKey).Append("first call");
            await grains.GetGrain<INotebookGrain>(notebookKey).Append("second call");
            await grains.GetGrain<ILedgerGrain>(ledgerKey).Add("queue-7", 3);
            await grains.GetGrain<ILedgerGrain>(ledgerKey).Add("queue-7", 5);
            reminderRegisteredAt = DateTime.UtcNow;
            await grains.GetGrain<IReminderProbeGrain>(probeKey).Register(reminderName, dueTime, period);

            var members = await MembersAsync(connectionString, cluster);
            var me = Assert.Single(members);
            Assert.Equal(Active, me.Status);
            Assert.Equal("127.0.0.1", me.Address);
            Assert.True(me.ProxyPort > 0);
            Assert.Equal("2", await GrainETagAsync(grains, notebookKey));
        }
        finally
        {
            await first.StopAsync();
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s first silo stopped");

        // The stopped silo left the table as Dead; the reminder is in its table.
        Assert.Equal(Dead, Assert.Single(await MembersAsync(connectionString, cluster)).Status);
        Assert.Equal(1L, await PostgresSilo.ScalarAsync<long>(connectionString,
            "SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @service AND ReminderName = @name AND Period = @period",
            ("service", cluster.ServiceId), ("name", reminderName), ("period", (long)period.TotalMilliseconds)));
        Assert.Empty(ReminderTicks.Of(probeKey, reminderName));

        // Second life: a new silo (new endpoint, new generation) on the same database.
        var nextTick = ReminderTicks.NextAsync(probeKey, reminderName);
        var second = await PostgresSilo.StartAsync(connectionString, cluster, output);
        try
        {
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s second silo started");
            var grains = second.Services.GetRequiredService<IGrainFactory>();
            Assert.Equal(["first call", "second call"], await grains.GetGrain<INotebookGrain>(notebookKey).Read());
            var ledger = await grains.GetGrain<ILedgerGrain>(ledgerKey).Read();
            Assert.Equal("queue-7", ledger.Owner);
            Assert.Equal([3, 5], ledger.Entries);
            Assert.Equal(reminderName, await grains.GetGrain<IReminderProbeGrain>(probeKey).Find(reminderName));
            Assert.Null(await grains.GetGrain<IReminderProbeGrain>(probeKey).Find("no-such-reminder"));

            var members = await MembersAsync(connectionString, cluster);
            Assert.Equal(2, members.Count);
            Assert.Equal([Active, Dead], members.Select(m => m.Status).Order());

            // A process joining as an Orleans client finds the gateway through the membership table.
            var client = await PostgresSilo.StartClientAsync(connectionString, cluster, output);
            try
            {
                var viaClient = client.Services.GetRequiredService<IClusterClient>();
                await viaClient.GetGrain<INotebookGrain>(notebookKey).Append("from a client");
                Assert.Equal(["first call", "second call", "from a client"], await viaClient.GetGrain<INotebookGrain>(notebookKey).Read());
            }
            finally
            {
                await client.StopAsync();
            }

            // The reminder registered in the first life ticks in the second.
            var siloOfTick = await nextTick.WaitAsync(TimeSpan.FromSeconds(100));
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s reminder ticked on {siloOfTick}, {(DateTime.UtcNow - reminderRegisteredAt).TotalSeconds:0.0}s after registration");
            var live = Assert.Single(await MembersAsync(connectionString, cluster), m => m.Status == Active);
            Assert.Equal(live.Silo, siloOfTick);

            // Unregistering deletes the row (by its ETag).
            await grains.GetGrain<IReminderProbeGrain>(probeKey).Unregister(reminderName);
            Assert.Null(await grains.GetGrain<IReminderProbeGrain>(probeKey).Find(reminderName));
            Assert.Equal(0L, await PostgresSilo.ScalarAsync<long>(connectionString,
                "SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @service", ("service", cluster.ServiceId)));
        }
        finally
        {
            await second.StopAsync();
        }
    }

    [Fact]
    public async Task The_database_password_never_reaches_the_logs()
    {
        // The test server trusts loopback connections, so any password is accepted (and ignored).
        var password = $"pw-{Guid.NewGuid():N}";
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync()) { Password = password }.ConnectionString;
        await SchemaMigrator.ApplyAsync(connectionString);
        var logs = new List<string>();

        var silo = await PostgresSilo.StartAsync(connectionString, ClusterIdentity.New(), output, allLogs: logs);
        try
        {
            await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<INotebookGrain>("logged").Append("note");
        }
        finally
        {
            await silo.StopAsync();
        }

        lock (logs)
        {
            Assert.Contains(logs, l => l.Contains("Information", StringComparison.Ordinal));
            Assert.DoesNotContain(logs, l => l.Contains(password, StringComparison.Ordinal));
        }
    }

    private static async Task<string?> GrainETagAsync(IGrainFactory grains, string key) => await grains.GetGrain<INotebookGrain>(key).ETag();

    private sealed record Member(string Address, int Port, int Generation, int Status, int ProxyPort)
    {
        /// <summary>As SiloAddress.ToParsableString() writes it.</summary>
        public string Silo => $"{Address}:{Port}@{Generation}";
    }

    private static async Task<List<Member>> MembersAsync(string connectionString, ClusterIdentity cluster)
    {
        var rows = await PostgresSilo.RowsAsync(connectionString,
            "SELECT Address, Port, Generation, Status, ProxyPort FROM OrleansMembershipTable WHERE DeploymentId = @cluster ORDER BY StartTime",
            ("cluster", cluster.ClusterId));
        return rows.Select(r => new Member((string)r[0]!, (int)r[1]!, (int)r[2]!, (int)r[3]!, (int)r[4]!)).ToList();
    }
}
