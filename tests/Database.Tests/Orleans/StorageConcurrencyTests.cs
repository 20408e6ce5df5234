using CallCenter.Hosting;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit.Abstractions;

namespace CallCenter.Database.Tests.OrleansStore;

/// <summary>
/// The ETag (version) check of our storage SQL, through the provider itself: a write, clear or
/// delete from a stale copy of a grain's state must fail with InconsistentStateException, never
/// overwrite what another activation stored.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StorageConcurrencyTests(PostgresFixture postgres, ITestOutputHelper output)
{
    /// <summary>A second ADO.NET storage on the same tables that keeps rows on clear (ClearStorageKey); ours deletes them (DeleteStorageKey).</summary>
    private const string KeepingStorage = "callcenter-keep-on-clear";

    private const string GrainType = "notebook";

    [Fact]
    public async Task Writes_and_clears_from_stale_state_raise_InconsistentStateException()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var cluster = ClusterIdentity.New();
        var silo = await PostgresSilo.StartAsync(connectionString, cluster, output, s =>
            s.AddAdoNetGrainStorage(KeepingStorage, (AdoNetGrainStorageOptions o) =>
            {
                o.Invariant = PostgresStorageExtensions.Invariant;
                o.ConnectionString = connectionString;
                o.DeleteStateOnClear = false;
            }));
        try
        {
            // The production storage is the ADO.NET provider behind the silo's storage gate.
            var gated = Assert.IsType<GatedGrainStorage>(silo.Services.GetRequiredKeyedService<IGrainStorage>(CallCenterSiloExtensions.StorageName));
            Assert.IsType<AdoNetGrainStorage>(gated.Inner);
            var options = silo.Services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(CallCenterSiloExtensions.StorageName);
            Assert.Equal(PostgresStorageExtensions.Invariant, options.Invariant);
            Assert.IsType<OrleansGrainStorageSerializer>(options.GrainStorageSerializer);
            Assert.True(options.DeleteStateOnClear);
            var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(KeepingStorage);

            // Two activations that both saw "no state yet": the first insert wins, the second fails.
            var grain = GrainId.Create("notebook", $"agent-{Guid.NewGuid():N}");
            var a = await ReadAsync(storage, grain);
            var b = await ReadAsync(storage, grain);
            Assert.Null(a.ETag);
            Assert.False(a.RecordExists);
            Notes(a).Add("a");
            await storage.WriteStateAsync(GrainType, grain, a);
            Assert.Equal("1", a.ETag);
            Notes(b).Add("b");
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, grain, b));

            // Two copies read at version 1: the first update wins, the second fails.
            var c = await ReadAsync(storage, grain);
            var d = await ReadAsync(storage, grain);
            Assert.Equal("1", c.ETag);
            Notes(c).Add("c");
            await storage.WriteStateAsync(GrainType, grain, c);
            Assert.Equal("2", c.ETag);
            Notes(d).Add("d");
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, grain, d));
            Assert.Equal(["a", "c"], Notes(await ReadAsync(storage, grain)));

            // A stale clear fails too; a current one empties the state and moves the version on.
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(GrainType, grain, d));
            await storage.ClearStateAsync(GrainType, grain, c);
            Assert.Equal("3", c.ETag);
            var cleared = await ReadAsync(storage, grain);
            Assert.Empty(Notes(cleared));
            Assert.Equal("3", cleared.ETag);
            Assert.Equal(3, await StoredVersionAsync(connectionString, cluster));

            // After a clear, the old copy still cannot write; the cleared one can.
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(GrainType, grain, d));
            Notes(cleared).Add("after clear");
            await storage.WriteStateAsync(GrainType, grain, cleared);
            Assert.Equal("4", cleared.ETag);

            // DeleteStateOnClear: the row goes; a stale delete fails; a new first write starts at 1.
            var deleting = silo.Services.GetRequiredKeyedService<IGrainStorage>(CallCenterSiloExtensions.StorageName);
            var other = GrainId.Create("notebook", $"agent-{Guid.NewGuid():N}");
            var e = await ReadAsync(deleting, other);
            Notes(e).Add("e");
            await deleting.WriteStateAsync(GrainType, other, e);
            var stale = await ReadAsync(deleting, other);
            Notes(e).Add("e2");
            await deleting.WriteStateAsync(GrainType, other, e);
            await Assert.ThrowsAsync<InconsistentStateException>(() => deleting.ClearStateAsync(GrainType, other, stale));
            await deleting.ClearStateAsync(GrainType, other, e);
            Assert.Null(e.ETag);
            var gone = await ReadAsync(deleting, other);
            Assert.False(gone.RecordExists);
            Notes(gone).Add("again");
            await deleting.WriteStateAsync(GrainType, other, gone);
            Assert.Equal("1", gone.ETag);

            // Both grains' rows, and no more.
            Assert.Equal(2L, await PostgresSilo.ScalarAsync<long>(connectionString,
                "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @service", ("service", cluster.ServiceId)));
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    [Fact]
    public async Task Racing_first_writes_of_one_grain_leave_exactly_one_winner()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var cluster = ClusterIdentity.New();
        var silo = await PostgresSilo.StartAsync(connectionString, cluster, output);
        try
        {
            var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(CallCenterSiloExtensions.StorageName);
            for (var round = 0; round < 5; round++)
            {
                var grain = GrainId.Create("notebook", $"race-{round}-{Guid.NewGuid():N}");
                var copies = Enumerable.Range(0, 8).Select(i => new GrainState<NotebookState>(new NotebookState { Notes = [$"writer {i}"] })).ToArray();
                var results = await Task.WhenAll(copies.Select(async copy =>
                {
                    try
                    {
                        await storage.WriteStateAsync(GrainType, grain, copy);
                        return true;
                    }
                    catch (InconsistentStateException)
                    {
                        return false;
                    }
                }));
                Assert.Single(results, won => won);
                var stored = await ReadAsync(storage, grain);
                var winner = copies[Array.IndexOf(results, true)];
                Assert.Equal(Notes(winner), Notes(stored));
            }
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    private static async Task<GrainState<NotebookState>> ReadAsync(IGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<NotebookState>(new NotebookState());
        await storage.ReadStateAsync(GrainType, grain, state);
        return state;
    }

    private static List<string> Notes(GrainState<NotebookState> state) => state.State!.Notes;

    private static async Task<int> StoredVersionAsync(string connectionString, ClusterIdentity cluster) =>
        await PostgresSilo.ScalarAsync<int>(connectionString,
            "SELECT max(Version) FROM OrleansStorage WHERE ServiceId = @service", ("service", cluster.ServiceId));
}
