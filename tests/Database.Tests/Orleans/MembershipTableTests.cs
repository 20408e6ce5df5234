using System.Net;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService;

namespace CallCenter.Database.Tests.OrleansStore;

/// <summary>
/// Our membership SQL through the 10.4.2 provider's own table class (no silo running, so nothing
/// else moves the table version): conditional inserts and updates, heartbeats, dead-silo
/// clean-up and deleting a deployment.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipTableTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Writes_succeed_only_with_the_current_table_version()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var clusterId = $"members-{Guid.NewGuid():N}";
        using var services = new ServiceCollection().BuildServiceProvider();
        var table = NewTable(services, connectionString, clusterId);
        await table.InitializeMembershipTableAsync(true, Ct);
        await table.InitializeMembershipTableAsync(true, Ct);   // a second silo doing the same

        var empty = await table.ReadAllAsync(Ct);
        Assert.Empty(empty.Members);
        Assert.Equal(0, empty.Version.Version);

        // Insert: only with the version just read, once per silo.
        var now = Microseconds(DateTime.UtcNow);
        var alpha = Entry(1001, SiloStatus.Active, now);
        Assert.True(await table.InsertRowAsync(alpha, empty.Version.Next(), Ct));
        Assert.False(await table.InsertRowAsync(Entry(1002, SiloStatus.Active, now), empty.Version.Next(), Ct));   // stale version
        var one = await table.ReadAllAsync(Ct);
        Assert.Equal(1, one.Version.Version);
        Assert.False(await table.InsertRowAsync(alpha, one.Version.Next(), Ct));   // already there
        Assert.Equal(1, (await table.ReadAllAsync(Ct)).Version.Version);          // and the version did not move

        var (stored, etag) = Assert.Single(one.Members);
        Assert.Equal(alpha.SiloAddress, stored.SiloAddress);
        Assert.Equal(SiloStatus.Active, stored.Status);
        Assert.Equal(alpha.SiloName, stored.SiloName);
        Assert.Equal(alpha.HostName, stored.HostName);
        Assert.Equal(alpha.ProxyPort, stored.ProxyPort);
        Assert.Equal(alpha.StartTime, stored.StartTime);
        Assert.Equal(alpha.IAmAliveTime, stored.IAmAliveTime);

        // Update: suspicion and status change with the current version; a stale one changes nothing.
        var voter = SiloAddress.New(IPAddress.Loopback, 2001, 7);
        stored.AddSuspector(voter, now.AddHours(1));
        stored.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRowAsync(stored, etag, empty.Version.Next(), Ct));
        Assert.Equal(SiloStatus.Active, (await table.ReadRowAsync(alpha.SiloAddress, Ct)).Members.Single().Item1.Status);
        Assert.True(await table.UpdateRowAsync(stored, etag, one.Version.Next(), Ct));
        var two = await table.ReadRowAsync(alpha.SiloAddress, Ct);
        Assert.Equal(2, two.Version.Version);
        var afterUpdate = two.Members.Single().Item1;
        Assert.Equal(SiloStatus.Dead, afterUpdate.Status);
        Assert.Equal(voter, Assert.Single(afterUpdate.SuspectTimes ?? []).Item1);

        // Heartbeat: moves IAmAliveTime forward only, and leaves the version alone.
        afterUpdate.IAmAliveTime = now.AddSeconds(30);
        await table.UpdateIAmAliveAsync(afterUpdate, Ct);
        afterUpdate.IAmAliveTime = now.AddSeconds(10);
        await table.UpdateIAmAliveAsync(afterUpdate, Ct);
        var three = await table.ReadRowAsync(alpha.SiloAddress, Ct);
        Assert.Equal(now.AddSeconds(30), three.Members.Single().Item1.IAmAliveTime);
        Assert.Equal(2, three.Version.Version);

        // Clean-up of dead silos older than the cut-off: a dead, silent, unsuspected silo goes; a
        // dead one suspected after the cut-off and an active one stay.
        var oldDead = Entry(1003, SiloStatus.Dead, now.AddHours(-2));
        var oldActive = Entry(1004, SiloStatus.Active, now.AddHours(-2));
        Assert.True(await table.InsertRowAsync(oldDead, three.Version.Next(), Ct));
        Assert.True(await table.InsertRowAsync(oldActive, (await table.ReadAllAsync(Ct)).Version.Next(), Ct));
        await table.CleanupDefunctSiloEntriesAsync(now.AddMinutes(-1), Ct);
        var left = await table.ReadAllAsync(Ct);
        Assert.Equal([1001, 1004], left.Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order());

        // A whole deployment can be forgotten; another deployment in the same tables stays.
        var otherCluster = await PostgresSilo.ScalarAsync<int>(connectionString,
            "INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES ('other') RETURNING Version");
        Assert.Equal(0, otherCluster);
        await table.DeleteMembershipTableEntriesAsync(clusterId, Ct);
        Assert.Equal(0L, await PostgresSilo.ScalarAsync<long>(connectionString,
            "SELECT (SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @c) + (SELECT count(*) FROM OrleansMembershipVersionTable WHERE DeploymentId = @c)",
            ("c", clusterId)));
        Assert.Equal(1L, await PostgresSilo.ScalarAsync<long>(connectionString,
            "SELECT count(*) FROM OrleansMembershipVersionTable WHERE DeploymentId = 'other'"));
    }

    [Fact]
    public async Task Without_the_per_silo_clean_up_query_the_one_statement_clean_up_is_used()
    {
        // CleanupDefunctSiloEntryKey is optional for the 10.4.2 provider; without it the provider
        // runs CleanupDefunctSiloEntriesKey with the cut-off in @IAmAliveTime.
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        await PostgresSilo.ScalarAsync<int>(connectionString, "DELETE FROM OrleansQuery WHERE QueryKey = 'CleanupDefunctSiloEntryKey'");
        var clusterId = $"members-{Guid.NewGuid():N}";
        using var services = new ServiceCollection().BuildServiceProvider();
        var table = NewTable(services, connectionString, clusterId);
        await table.InitializeMembershipTableAsync(true, Ct);
        var now = Microseconds(DateTime.UtcNow);
        var suspected = Entry(1003, SiloStatus.Dead, now.AddHours(-2));
        foreach (var entry in new[] { Entry(1001, SiloStatus.Dead, now.AddHours(-2)), Entry(1002, SiloStatus.Active, now.AddHours(-2)), suspected, Entry(1004, SiloStatus.Dead, now) })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync(Ct)).Version.Next(), Ct));
        }
        // Suspicions are written by updates, not by inserts.
        var suspectedRow = (await table.ReadRowAsync(suspected.SiloAddress, Ct)).Members.Single();
        suspectedRow.Item1.AddSuspector(SiloAddress.New(IPAddress.Loopback, 2001, 7), now.AddHours(-2));
        Assert.True(await table.UpdateRowAsync(suspectedRow.Item1, suspectedRow.Item2, (await table.ReadAllAsync(Ct)).Version.Next(), Ct));

        await table.CleanupDefunctSiloEntriesAsync(now.AddMinutes(-1), Ct);

        // Gone: the old, dead, unsuspected silo. Kept: active, suspected, and recently dead.
        var left = await table.ReadAllAsync(Ct);
        Assert.Equal([1002, 1003, 1004], left.Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order());
    }

    private static AdoNetClusteringTable NewTable(IServiceProvider services, string connectionString, string clusterId) => new(
        services,
        Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "members" }),
        Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresStorageExtensions.Invariant, ConnectionString = connectionString }),
        NullLogger<AdoNetClusteringTable>.Instance);

    private static CancellationToken Ct => CancellationToken.None;

    private static MembershipEntry Entry(int port, SiloStatus status, DateTime time) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 42),
        Status = status,
        ProxyPort = port + 20000,
        HostName = "db-tests",
        SiloName = $"silo-{port}",
        StartTime = time,
        IAmAliveTime = time,
    };

    /// <summary>PostgreSQL keeps microseconds; .NET ticks are a tenth of that.</summary>
    private static DateTime Microseconds(DateTime time) => new(time.Ticks - time.Ticks % 10, DateTimeKind.Utc);
}
