using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Calls;
using CallCenter.Database.Tests.OrleansStore;
using CallCenter.Hosting;
using CallCenter.Silo.History;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans;
using Xunit.Abstractions;

namespace CallCenter.Database.Tests.Overload;

/// <summary>
/// A silo on PostgreSQL with a tiny connection pool and a tiny admission limit, offered waves of
/// calls far beyond what it may hold: every offered call is either refused at the door (no
/// record) or ends with exactly one record row. Nothing is lost, and the storage gate keeps the
/// pool from being exhausted (no storage failure opens the durability breaker).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AdmissionOverloadTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Queue = "overload-q";
    private const int Waves = 3;
    private const int CallsPerWave = 120;
    private const int MaxLiveCalls = 25;

    [Fact]
    public async Task Calls_beyond_the_limit_are_refused_and_every_admitted_call_ends_with_one_record()
    {
        var database = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(database);
        // Six connections for the whole silo: storage gets at most StorageConcurrency of them.
        var connectionString = new NpgsqlConnectionStringBuilder(database) { MaxPoolSize = 6, Timeout = 5 }.ConnectionString;
        var cluster = ClusterIdentity.New();
        var spill = Directory.CreateTempSubdirectory("overload-spill-").FullName;
        IHost? silo = null;
        IHost? client = null;
        try
        {
            silo = await PostgresSilo.StartAsync(connectionString, cluster, output, s =>
            {
                s.Services.AddPostgresHistory(new HistoryWriterOptions { ConnectionString = connectionString, SpillFolder = spill });
                s.Services.Configure<CallAdmissionOptions>(o =>
                {
                    o.MaxLiveCalls = MaxLiveCalls;
                    o.MaxStorageBacklog = 40;
                });
            });
            var gate = silo.Services.GetRequiredService<StorageGate>();
            Assert.Equal(PostgresStorageExtensions.DefaultStorageConcurrency(connectionString), gate.Capacity);
            client = await PostgresSilo.StartClientAsync(connectionString, cluster, output);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            await grains.GetQueue(Queue).Configure(new QueueSettings { Id = Queue });
            await grains.GetRoutingTable().Set(new RoutingTable([], [new ServiceRoute("2000", null, Queue)], ImmutableDictionary<string, string>.Empty));

            var admitted = new ConcurrentBag<string>();
            var refused = new ConcurrentBag<string>();
            for (var wave = 0; wave < Waves; wave++)
            {
                // A wave all at once: far more calls than the silo may hold live, nobody to answer them.
                var ids = Enumerable.Range(0, CallsPerWave).Select(i => $"ovl-{wave}-{i}-{Guid.NewGuid():N}"[..24]).ToArray();
                var results = await Task.WhenAll(ids.Select(async id =>
                    (id, await grains.GetCall(id).Start(new CallArrival { CallId = id, CallerNumber = "01012345678", Service = "2000" }, null))));
                foreach (var (id, result) in results)
                {
                    if (result.Refused)
                    {
                        Assert.False(result.Accepted);
                        Assert.True(result.RetryAfterSeconds > 0);
                        Assert.StartsWith("overloaded:", result.Error);
                        refused.Add(id);
                    }
                    else
                    {
                        Assert.True(result.Accepted, result.Error);
                        admitted.Add(id);
                    }
                }
                output.WriteLine($"wave {wave}: {results.Count(r => !r.Item2.Refused)} admitted, {results.Count(r => r.Item2.Refused)} refused; gate peak backlog {gate.PeakWaiting}");
                Assert.True(results.Count(r => !r.Item2.Refused) <= MaxLiveCalls);
                // The callers admitted in this wave give up: each call ends (abandoned) and frees its place.
                await Task.WhenAll(results.Where(r => !r.Item2.Refused).Select(r => grains.GetCall(r.id).Hangup(CallParty.Caller)));
            }

            Assert.NotEmpty(refused);
            Assert.NotEmpty(admitted);
            Assert.Equal(Waves * CallsPerWave, admitted.Count + refused.Count);
            var all = admitted.Concat(refused).ToArray();
            await Eventually(async () =>
                await PostgresSilo.ScalarAsync<long>(connectionString, "SELECT count(*) FROM call_detail_records WHERE call_id = ANY(@ids)", ("ids", all)) >= admitted.Count,
                "every admitted call's record reaches the table");
            var rows = await PostgresSilo.RowsAsync(connectionString, "SELECT call_id, outcome FROM call_detail_records WHERE call_id = ANY(@ids)", ("ids", all));
            var recorded = rows.Select(r => (string)r[0]!).ToList();
            // Exactly one record per admitted call (lost = 0, no duplicates), none for a refused one.
            Assert.Equal(admitted.Count, recorded.Count);
            Assert.Equal(admitted.OrderBy(x => x, StringComparer.Ordinal), recorded.OrderBy(x => x, StringComparer.Ordinal));
            Assert.All(rows, r => Assert.Equal("Abandoned", r[1]?.ToString()));
            var durable = silo.Services.GetRequiredService<DurableState>();
            Assert.Equal(0, durable.Failures);
            Assert.Equal(0, durable.ReadFailures);
            var admission = silo.Services.GetRequiredService<CallAdmission>();
            Assert.Equal(refused.Count, admission.Refused);
            Assert.Equal(0, admission.LiveCalls);
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync();
            }
            if (silo is not null)
            {
                await silo.StopAsync();
            }
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                Assert.Fail($"timed out waiting until {what}");
            }
            await Task.Delay(200);
        }
    }
}
