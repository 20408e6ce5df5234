using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using FsCheck;
using FsCheck.Fluent;
using Orleans.TestingHost;
using CallCenter.Tests.Fakes;

namespace CallCenter.Tests.Calls;

/// <summary>
/// Three-way conference (CTI-2) through the grains: an agent adds another agent by id; when one agent leaves the
/// caller stays with the other; the one record names every agent. Illegal requests change nothing.
/// </summary>
public sealed class CallConferenceTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private readonly TestPhone _phone = new();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Grains => _cluster.Client;

    /// <summary>A queue with agent A (ready, answers the call) and agents B and C in no queue, ready as asked.</summary>
    private async Task<(ICallGrain Call, IAgentGrain A, IAgentGrain B, IAgentGrain C)> Connected(string name, bool othersReady = true)
    {
        await Grains.GetQueue(name).Configure(new QueueSettings { Id = name, WrapUp = TimeSpan.Zero });
        var phone = Grains.CreateObjectReference<IAgentPhone>(_phone);
        var a = Grains.GetAgent($"{name}-a");
        await a.Configure(new AgentProfile { Id = $"{name}-a", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await a.Login(phone, ready: true);
        var others = new List<IAgentGrain>();
        foreach (var id in new[] { $"{name}-b", $"{name}-c" })
        {
            var agent = Grains.GetAgent(id);
            await agent.Configure(new AgentProfile { Id = id });
            await agent.Login(phone, ready: othersReady);
            others.Add(agent);
        }
        var callId = $"{name}-call";
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival { CallId = callId, CallerNumber = "073100000030", Service = name }, Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId && o.AgentId == $"{name}-a")));
        Assert.True(await a.Answer(callId));
        return (call, a, others[0], others[1]);
    }

    private async Task Joins(ICallGrain call, IAgentGrain from, IAgentGrain agent, string agentId, string callId)
    {
        Assert.True((await from.AddToCall(agentId)).Accepted);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId && o.AgentId == agentId)));
        Assert.True(await agent.Answer(callId));
    }

    [Fact]
    public async Task An_added_agent_joins_and_when_the_first_agent_leaves_the_caller_stays_with_the_second_and_the_record_names_both()
    {
        var (call, a, b, _) = await Connected("conf1");
        await Joins(call, a, b, "conf1-b", "conf1-call");
        Assert.Equal(["conf1-a", "conf1-b"], await call.GetAgentsOnCall());
        Assert.Equal(AgentState.OnCall, (await b.GetSnapshot()).State);

        await a.Hangup();
        var snapshot = await call.GetSnapshot();
        Assert.Equal(CallState.Connected, snapshot.State);
        Assert.Equal("conf1-b", snapshot.AgentId);
        Assert.Equal(["conf1-b"], await call.GetAgentsOnCall());
        Assert.NotEqual(AgentState.OnCall, (await a.GetSnapshot()).State);

        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("conf1-call")));
        var record = _phone.Records["conf1-call"];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(["conf1-a", "conf1-b"], record.HandledBy.ToArray());
        Assert.Equal("conf1-b", record.AgentId);
        await Eventually(async () => (await b.GetSnapshot()).State != AgentState.OnCall);
    }

    [Fact]
    public async Task When_the_added_agent_leaves_the_first_stays_and_a_caller_hang_up_releases_every_agent()
    {
        var (call, a, b, c) = await Connected("conf2");
        await Joins(call, a, b, "conf2-b", "conf2-call");
        await b.Hangup();
        Assert.Equal(["conf2-a"], await call.GetAgentsOnCall());
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);

        // C joins in B's place, then the caller hangs up: both agents are told, one record names all three.
        await Joins(call, a, c, "conf2-c", "conf2-call");
        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Ended.Contains(("conf2-a", "conf2-call")) && _phone.Ended.Contains(("conf2-c", "conf2-call"))));
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("conf2-call")));
        Assert.Equal(["conf2-a", "conf2-b", "conf2-c"], _phone.Records["conf2-call"].HandledBy.ToArray());
        Assert.Single(_phone.Records.Keys, k => k == "conf2-call");
    }

    [Fact]
    public async Task Illegal_or_refused_additions_change_nothing()
    {
        var (call, a, b, c) = await Connected("conf3", othersReady: false);
        // B is not ready: refused, nobody rings.
        Assert.False((await a.AddToCall("conf3-b")).Accepted);
        Assert.DoesNotContain(_phone.Rings, o => o.AgentId == "conf3-b");
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.AddToCall("conf3-a"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.AddAgent("conf3-x", "conf3-b"));
        Assert.Equal(["conf3-a"], await call.GetAgentsOnCall());

        await b.SetReady();
        await c.SetReady();
        await Joins(call, a, b, "conf3-b", "conf3-call");
        // A third agent would make four parties; a transfer of a conference is refused too.
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.AddToCall("conf3-c"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Transfer(TransferTarget.ToAgent("conf3-c")));
        Assert.Equal(["conf3-a", "conf3-b"], await call.GetAgentsOnCall());
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
    }

    [Fact]
    public async Task An_added_agent_who_declines_leaves_the_call_as_it_was()
    {
        var (call, a, b, _) = await Connected("conf4");
        Assert.True((await a.AddToCall("conf4-b")).Accepted);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.AgentId == "conf4-b")));
        await b.Decline("conf4-call");
        Assert.Equal(["conf4-a"], await call.GetAgentsOnCall());
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
        // Nobody rings now: another agent may be added.
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.AddToCall("conf4-a"));
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property An_agent_is_added_only_by_an_agent_on_a_connected_call_that_has_room_and_no_ring_pending() =>
        Prop.ForAll(
            Gen.Zip(Gen.Zip(Gen.Elements(Enum.GetValues<CallState>()), Gen.Elements(new[] { "a" }, ["a", "b"], [])),
                Gen.Zip(Gen.Elements(true, false), Gen.Zip(Gen.Elements("a", "b", "c"), Gen.Elements("a", "b", "c", "", " ")))).ToArbitrary(),
            input =>
            {
                var ((state, onCall), (ringing, (from, target))) = input;
                var error = ConferenceRules.Check(state, onCall, ringing, from, target);
                var expected = state is CallState.Connected or CallState.OnHold && onCall.Contains(from) && !onCall.Contains(target)
                    && !string.IsNullOrWhiteSpace(target) && !ringing && onCall.Length < 2;
                Assert.Equal(expected, error is null);
            });

    [Fact]
    public void Joining_names_the_agent_once_and_keeps_the_conversation_one_talk_segment()
    {
        var start = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        var handling = new CallHandling().Answered("a", start).Joined("b").Joined("b");
        Assert.Equal(["a", "b"], handling.HandledBy.ToArray());
        Assert.Equal(TimeSpan.FromMinutes(3), handling.TalkAt(start.AddMinutes(3), TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => new CallHandling().Joined("b"));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(20);
        }
    }
}
