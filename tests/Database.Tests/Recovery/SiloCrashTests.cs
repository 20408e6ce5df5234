using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Database.Tests.OrleansStore;
using CallCenter.Silo.History;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace CallCenter.Database.Tests.Recovery;

/// <summary>
/// Two silos on PostgreSQL; one dies without leaving while calls wait and talk. Driven the way the
/// gateway drives calls (keep-alives, phone heartbeats, repeated hang-ups), every call must end
/// exactly once with exactly one record row, and no agent may be left stuck or double-booked.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloCrashTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Queue = "crash-q";
    private const int Agents = 6;
    private const int Calls = 14;

    [Fact]
    public async Task Calls_and_agents_on_a_dead_silo_resume_and_every_call_gets_one_record()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var cluster = ClusterIdentity.New();
        var spill = Directory.CreateTempSubdirectory("crash-spill-").FullName;
        var hosts = new List<IHost>();
        IHost? client = null;
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var folder = Path.Combine(spill, $"silo-{i}");
                hosts.Add(await PostgresSilo.StartAsync(connectionString, cluster, output, silo =>
                {
                    silo.Services.AddPostgresHistory(new HistoryWriterOptions { ConnectionString = connectionString, SpillFolder = folder });
                    silo.Configure<ClusterMembershipOptions>(o =>
                    {
                        o.ProbeTimeout = TimeSpan.FromSeconds(1);
                        o.NumMissedProbesLimit = 2;
                        o.NumVotesForDeathDeclaration = 1;
                        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                    });
                }));
            }
            client = await PostgresSilo.StartClientAsync(connectionString, cluster, output);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var phone = new TestPhone();
            var phoneRef = grains.CreateObjectReference<IAgentPhone>(phone);
            var observer = new TestCallObserver();
            var observerRef = grains.CreateObjectReference<ICallObserver>(observer);

            await grains.GetQueue(Queue).Configure(new QueueSettings { Id = Queue, RingTimeout = TimeSpan.FromSeconds(60) });
            await grains.GetRoutingTable().Set(new RoutingTable([], [new ServiceRoute("1000", null, Queue)], ImmutableDictionary<string, string>.Empty));
            var agentIds = Enumerable.Range(1, Agents).Select(i => $"crash-a{i}").ToArray();
            foreach (var id in agentIds)
            {
                await grains.GetAgent(id).Configure(new AgentProfile { Id = id, Queues = ImmutableDictionary<string, int>.Empty.Add(Queue, 1) });
                await grains.GetAgent(id).Login(phoneRef, ready: true);
            }
            var callIds = Enumerable.Range(1, Calls).Select(i => $"crash-c{i}-{Guid.NewGuid():N}"[..20]).ToArray();
            foreach (var id in callIds)
            {
                var started = await grains.GetCall(id).Start(new CallArrival { CallId = id, CallerNumber = "01012345678", Service = "1000" }, observerRef);
                Assert.True(started.Accepted, started.Error);
            }
            // Every agent answers one call; the rest wait.
            var talking = new ConcurrentDictionary<string, string>(); // agent -> call
            await Eventually(async () =>
            {
                while (phone.Rings.TryDequeue(out var offer))
                {
                    if (await grains.GetAgent(offer.AgentId).Answer(offer.CallId))
                    {
                        talking[offer.AgentId] = offer.CallId;
                    }
                }
                return talking.Count == Agents;
            }, "every agent answers a call");

            // One silo dies without leaving (its live state is gone; the database keeps what was stored).
            var victim = hosts[1];
            hosts.RemoveAt(1);
            using (var cancelled = new CancellationTokenSource())
            {
                await cancelled.CancelAsync();
                await victim.StopAsync(cancelled.Token).ContinueWith(_ => { });
            }
            victim.Dispose();
            output.WriteLine("silo 2 stopped ungracefully");

            // Drive as the gateway does: keep-alives for live calls, heartbeats for phones, and
            // the callers of connected calls hang up (repeated until the call confirms its end).
            var hungUp = new ConcurrentDictionary<string, bool>();
            var clock = Stopwatch.StartNew();
            await Eventually(async () =>
            {
                foreach (var id in callIds.Where(c => !observer.Ended.ContainsKey(c)))
                {
                    await Try(async () =>
                    {
                        var snapshot = await grains.GetCall(id).KeepAlive(observerRef);
                        if (hungUp.ContainsKey(id) || snapshot.State is CallState.Connected)
                        {
                            hungUp[id] = true;
                            await grains.GetCall(id).Hangup(CallParty.Caller);
                        }
                        if (snapshot.State == CallState.New && snapshot.Record is null)
                        {
                            observer.Forgotten[id] = true;
                        }
                    });
                }
                foreach (var agentId in agentIds)
                {
                    await Try(async () =>
                    {
                        var active = talking.TryGetValue(agentId, out var c) && !observer.Ended.ContainsKey(c) ? c : null;
                        await grains.GetAgent(agentId).Heartbeat(phoneRef, active);
                    });
                }
                while (phone.Rings.TryDequeue(out var offer))
                {
                    await Try(async () =>
                    {
                        if (await grains.GetAgent(offer.AgentId).Answer(offer.CallId))
                        {
                            talking[offer.AgentId] = offer.CallId;
                        }
                    });
                }
                return callIds.All(c => observer.Ended.ContainsKey(c) || observer.Forgotten.ContainsKey(c));
            }, "every call ends", TimeSpan.FromSeconds(90));
            output.WriteLine($"all calls ended {clock.Elapsed.TotalSeconds:0.0}s after the crash");

            // Exactly one record row per call, and every call was answered (none lost, none twice).
            await Eventually(async () =>
                await PostgresSilo.ScalarAsync<long>(connectionString, "SELECT count(*) FROM call_detail_records WHERE call_id = ANY(@ids)", ("ids", callIds)) == Calls,
                "every record reaches the table");
            var rows = await PostgresSilo.RowsAsync(connectionString, "SELECT call_id, outcome FROM call_detail_records WHERE call_id = ANY(@ids)", ("ids", callIds));
            Assert.Equal(Calls, rows.Select(r => (string)r[0]!).Distinct().Count());
            Assert.All(rows, r => Assert.Equal("Completed", r[1]?.ToString()));
            Assert.All(observer.Ended, e => Assert.Single(e.Value.Select(r => r.Outcome).Distinct()));

            // No agent is left on a call, reserved or logged out. (The phone's view wins after the
            // agent's grace period, so this may take a few heartbeats.) Not-ready is a free agent too:
            // a ring the phone missed during the crash makes an agent not-ready "no-answer" (ACD-5).
            var stuck = new List<string>();
            await Eventually(async () =>
            {
                stuck.Clear();
                while (phone.Rings.TryDequeue(out var late))
                {
                    await Try(() => grains.GetAgent(late.AgentId).Decline(late.CallId));
                }
                foreach (var agentId in agentIds)
                {
                    var snapshot = await grains.GetAgent(agentId).Heartbeat(phoneRef, null);
                    if (snapshot.State is AgentState.OnCall or AgentState.OnHold or AgentState.Reserved or AgentState.LoggedOut)
                    {
                        stuck.Add($"{agentId} {snapshot.State} {snapshot.CallId}");
                    }
                }
                if (stuck.Count > 0)
                {
                    output.WriteLine($"not free yet: {string.Join(", ", stuck)}");
                }
                return stuck.Count == 0;
            }, "every agent is free again", TimeSpan.FromSeconds(45));
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync();
            }
            foreach (var host in hosts)
            {
                await host.StopAsync();
            }
        }
    }

    private async Task Try(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            output.WriteLine($"retry later: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (within ?? TimeSpan.FromSeconds(30)))
            {
                Assert.Fail($"timed out waiting until {what}");
            }
            await Task.Delay(200);
        }
    }

    private sealed class TestPhone : IAgentPhone
    {
        public ConcurrentQueue<Offer> Rings { get; } = new();

        public Task Ring(Offer offer)
        {
            Rings.Enqueue(offer);
            return Task.CompletedTask;
        }

        public Task OfferWithdrawn(string agentId, string callId) => Task.CompletedTask;
        public Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial) => Task.FromResult<string?>("this test phone does not dial");

        public Task CallEnded(string agentId, string callId) => Task.CompletedTask;
    }

    private sealed class TestCallObserver : ICallObserver
    {
        public ConcurrentDictionary<string, ConcurrentBag<CallDetailRecord>> Ended { get; } = new();
        public ConcurrentDictionary<string, bool> Forgotten { get; } = new();

        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

        public Task CallEnded(CallDetailRecord record)
        {
            Ended.GetOrAdd(record.CallId, _ => []).Add(record);
            return Task.CompletedTask;
        }
    }
}
