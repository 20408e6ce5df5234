using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CallCenter.Tests.Cluster;

/// <summary>
/// Real grains on a two-silo in-process cluster, random traffic: agents in several queues answer
/// after random delays or not at all, callers abandon at random. Checks invariant 1 (no agent
/// connected to two calls, no call answered twice), invariant 2 (every call one outcome, one
/// record on exactly one silo) and that no call is lost.
/// </summary>
public sealed class RandomizedClusterTests
{
    private sealed class Phones(IGrainFactory grains, int seed) : IAgentPhone, ICallObserver
    {
        private readonly Random _random = new(seed);
        private readonly object _gate = new();
        private readonly HashSet<(string Agent, string Call)> _endedOnPhone = [];
        public ConcurrentDictionary<string, string> ConnectedAgentCall { get; } = new();
        public ConcurrentDictionary<string, int> AnswersWon { get; } = new();
        public ConcurrentDictionary<string, CallDetailRecord> Records { get; } = new();
        public ConcurrentQueue<string> Violations { get; } = new();
        /// <summary>An agent answered a call while the phone still had it on another: (agent, earlier call, later call).</summary>
        public ConcurrentQueue<(string Agent, string Earlier, string Later)> Overlaps { get; } = new();
        public int DuplicateRecords;

        private int Next(int max) { lock (_gate) return _random.Next(max); }

        public Task Ring(Offer offer)
        {
            _ = Handle(offer);
            return Task.CompletedTask;
        }

        private async Task Handle(Offer offer)
        {
            var choice = Next(10);
            if (choice == 0) return; // never answers: ring-no-answer
            await Task.Delay(Next(150));
            var agent = grains.GetAgent(offer.AgentId);
            bool connected;
            try { connected = await agent.Answer(offer.CallId); }
            catch (Exception ex) { Violations.Enqueue($"answer threw {ex.GetType().Name}: {ex.Message}"); return; }
            if (!connected) return;
            lock (_gate)
            {
                // The agent's "call ended" notice can overtake the answer's reply (the caller hung
                // up at once): a call the phone already knows ended is not on the phone any more.
                if (!_endedOnPhone.Contains((offer.AgentId, offer.CallId)) && !ConnectedAgentCall.TryAdd(offer.AgentId, offer.CallId))
                {
                    // The phone still thinks the agent is on an earlier call. Notices to a client
                    // observer can be handled out of order under load, so the phone alone cannot
                    // tell a late "call ended" from a double booking: the records judge at the end.
                    Overlaps.Enqueue((offer.AgentId, ConnectedAgentCall[offer.AgentId], offer.CallId));
                    ConnectedAgentCall[offer.AgentId] = offer.CallId;
                }
            }
            if (AnswersWon.AddOrUpdate(offer.CallId, 1, (_, n) => n + 1) > 1)
                Violations.Enqueue($"call {offer.CallId} answered twice");
            await Task.Delay(Next(200));
            ConnectedAgentCall.TryRemove(new KeyValuePair<string, string>(offer.AgentId, offer.CallId));
            if (choice < 5) await agent.Hangup();
            else await grains.GetCall(offer.CallId).Hangup(CallParty.Caller);
        }

        public Task OfferWithdrawn(string agentId, string callId) => Task.CompletedTask;
        public Task<string?> PlaceCall(OutboundDial dial) => Task.FromResult<string?>("this test phone does not dial");

        public Task CallEnded(string agentId, string callId)
        {
            lock (_gate)
            {
                _endedOnPhone.Add((agentId, callId));
                ConnectedAgentCall.TryRemove(new KeyValuePair<string, string>(agentId, callId));
            }
            return Task.CompletedTask;
        }

        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

        public Task CallEnded(CallDetailRecord record)
        {
            if (!Records.TryAdd(record.CallId, record)) Interlocked.Increment(ref DuplicateRecords);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Random_traffic_on_two_silos_loses_no_call_and_never_double_books()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grains = cluster.Client;
        var random = new Random(20261123);
        var phones = new Phones(grains, 7);
        var phone = grains.CreateObjectReference<IAgentPhone>(phones);
        var observer = grains.CreateObjectReference<ICallObserver>(phones);

        var queues = new[] { "sales", "support", "common" };
        foreach (var (q, i) in queues.Select((q, i) => (q, i)))
        {
            await grains.GetQueue(q).Configure(new QueueSettings
            {
                Id = q,
                Strategy = (RoutingStrategy)(i * 2 % 7),
                RingTimeout = TimeSpan.FromMilliseconds(400),
                WrapUp = TimeSpan.FromMilliseconds(i * 20),
                Overflow = q == "common" ? [] : [new OverflowRule(OverflowCondition.WaitExceeded, TimeSpan.FromMilliseconds(600), "common")],
                MaxWait = q == "common" ? TimeSpan.FromSeconds(3) : null,
            });
        }
        for (var a = 0; a < 12; a++)
        {
            var membership = ImmutableDictionary<string, int>.Empty;
            foreach (var q in queues) if (random.Next(2) == 0) membership = membership.Add(q, 1 + random.Next(2));
            if (membership.IsEmpty) membership = membership.Add("common", 1);
            await grains.GetAgent($"a{a}").Configure(new AgentProfile { Id = $"a{a}", Queues = membership });
            await grains.GetAgent($"a{a}").Login(phone, ready: true);
        }

        var calls = 300;
        var started = new List<Task>();
        for (var c = 0; c < calls; c++)
        {
            var id = $"c{c}";
            var service = queues[random.Next(2)];
            var patience = random.Next(100, 2500);
            started.Add(Task.Run(async () =>
            {
                var call = grains.GetCall(id);
                await call.Start(new CallArrival { CallId = id, CallerNumber = "073100000000", Service = service, Priority = id.GetHashCode() & 1 }, observer);
                await Task.Delay(patience);
                if (!phones.AnswersWon.ContainsKey(id)) await call.Hangup(CallParty.Caller);
            }));
            await Task.Delay(random.Next(0, 8));
        }
        await Task.WhenAll(started);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (phones.Records.Count < calls && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // A double booking is the later call answered before the earlier one ended, by the records' clock.
        foreach (var (agent, earlier, later) in phones.Overlaps)
        {
            if (!phones.Records.TryGetValue(earlier, out var first) || !phones.Records.TryGetValue(later, out var second)
                || second.AnsweredAt is not { } answered || answered < first.EndedAt)
            {
                phones.Violations.Enqueue($"agent {agent} connected to {later} while on {earlier}");
            }
        }
        Assert.True(phones.Violations.IsEmpty, string.Join("; ", phones.Violations.Take(5)));
        Assert.Equal(0, phones.DuplicateRecords);
        var lost = Enumerable.Range(0, calls).Select(c => $"c{c}").Where(id => !phones.Records.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"calls without an outcome: {string.Join(", ", lost.Take(10))}");
        // Every record written exactly once, on exactly one silo.
        var written = cluster.Silos.SelectMany(s => s.ServiceProvider.GetRequiredService<InMemoryCallDetailRecordSink>().Recent)
            .GroupBy(r => r.CallId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(calls, written.Count);
        Assert.All(written, w => Assert.Equal(1, w.Value));
        Assert.All(phones.Records.Values.Where(r => r.Outcome == CallOutcome.Completed), r => Assert.NotNull(r.AnsweredAt));
        Assert.Contains(phones.Records.Values, r => r.Outcome == CallOutcome.Completed);
        Assert.Contains(phones.Records.Values, r => r.Outcome == CallOutcome.Abandoned);
    }
}
