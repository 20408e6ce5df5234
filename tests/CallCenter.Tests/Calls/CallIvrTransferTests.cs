using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using Orleans.TestingHost;

namespace CallCenter.Tests.Calls;

/// <summary>
/// Transfer to an IVR node (CTI-2) through the grains: the agent is freed, the call waits in state Ivr while the
/// gateway (its media host) runs the menu from the node, and the menu either queues the call again (it keeps its
/// first arrival) or ends it as served. One record names every agent.
/// </summary>
public sealed class CallIvrTransferTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private readonly Gateway _gateway = new();

    private sealed class Gateway : IAgentPhone, ICallObserver, ICallMediaHost
    {
        public ConcurrentQueue<Offer> Rings { get; } = new();
        public ConcurrentDictionary<string, CallDetailRecord> Records { get; } = new();
        public ConcurrentQueue<(string CallId, string Node)> ToIvr { get; } = new();
        public Task Ring(Offer offer) { Rings.Enqueue(offer); return Task.CompletedTask; }
        public Task OfferWithdrawn(string agentId, string callId) => Task.CompletedTask;
        public Task<string?> PlaceCall(OutboundDial dial) => Task.FromResult<string?>("this test phone does not dial");
        public Task CallEnded(string agentId, string callId) => Task.CompletedTask;
        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;
        public Task CallEnded(CallDetailRecord record) { Records[record.CallId] = record; return Task.CompletedTask; }
        public Task MonitorRequested(string callId, string supervisorId, MonitorMode mode) => Task.CompletedTask;
        public Task MonitorStopped(string callId, string supervisorId) => Task.CompletedTask;
        public Task TransferredToIvr(string callId, string nodeId) { ToIvr.Enqueue((callId, nodeId)); return Task.CompletedTask; }
        public Task<bool> HasIvrNode(string callId, string nodeId) => Task.FromResult(nodeId is "main" or "billing");
        public ConcurrentQueue<string> HandOvers { get; } = new();
        public bool RefuseHandOver { get; set; }
        public Task<bool> BeginHandOver(string callId, string agentId) { HandOvers.Enqueue($"begin {callId} {agentId}"); return Task.FromResult(!RefuseHandOver); }
        public Task EndHandOver(string callId, string agentId, bool done) { HandOvers.Enqueue($"end {callId} {agentId} {(done ? "done" : "refused")}"); return Task.CompletedTask; }
    }

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Grains => _cluster.Client;

    /// <summary>A queue with agents A and B; A answers the call. The call's audio is on the fake gateway unless told.</summary>
    private async Task<(ICallGrain Call, IAgentGrain A, IAgentGrain B)> Connected(string name, bool onGateway = true)
    {
        await Grains.GetQueue(name).Configure(new QueueSettings { Id = name, WrapUp = TimeSpan.FromMinutes(5) });
        var phone = Grains.CreateObjectReference<IAgentPhone>(_gateway);
        var a = Grains.GetAgent($"{name}-a");
        await a.Configure(new AgentProfile { Id = $"{name}-a", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await a.Login(phone, ready: true);
        var callId = $"{name}-call";
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival { CallId = callId, CallerNumber = "073100000050", Service = name }, Grains.CreateObjectReference<ICallObserver>(_gateway));
        if (onGateway)
        {
            await call.AttachMedia(Grains.CreateObjectReference<ICallMediaHost>(_gateway));
        }
        await Eventually(() => Task.FromResult(_gateway.Rings.Any(o => o.CallId == callId && o.AgentId == $"{name}-a")));
        Assert.True(await a.Answer(callId));
        var b = Grains.GetAgent($"{name}-b");
        await b.Configure(new AgentProfile { Id = $"{name}-b", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await b.Login(phone, ready: true);
        return (call, a, b);
    }

    [Fact]
    public async Task A_transfer_to_an_IVR_node_frees_the_agent_and_a_queue_node_brings_the_call_to_the_next_agent_with_one_record()
    {
        var (call, a, b) = await Connected("ivr1");
        Assert.True((await a.Transfer(TransferTarget.ToIvr("main"))).Accepted);
        Assert.Equal(CallState.Ivr, (await call.GetSnapshot()).State);
        Assert.Null((await call.GetSnapshot()).AgentId);
        Assert.Equal(AgentState.WrapUp, (await a.GetSnapshot()).State);
        await Eventually(() => Task.FromResult(_gateway.ToIvr.Contains(("ivr1-call", "main"))));

        Assert.True(await call.QueueFromIvr("ivr1", ImmutableDictionary<string, string>.Empty.Add("menu", "main")));
        await Eventually(() => Task.FromResult(_gateway.Rings.Any(o => o.CallId == "ivr1-call" && o.AgentId == "ivr1-b")));
        Assert.True(await b.Answer("ivr1-call"));
        await b.Hangup();
        await Eventually(() => Task.FromResult(_gateway.Records.ContainsKey("ivr1-call")));
        var record = _gateway.Records["ivr1-call"];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(["ivr1-a", "ivr1-b"], record.HandledBy.ToArray());
        Assert.Equal(["ivr1", "ivr1"], record.QueuePath.ToArray());
        Assert.Equal("main", record.AttachedData["menu"]);
    }

    [Fact]
    public async Task A_caller_who_hangs_up_in_the_IVR_after_a_transfer_ends_the_call_once_as_served()
    {
        var (call, a, _) = await Connected("ivr2");
        Assert.True((await a.Transfer(TransferTarget.ToIvr("main"))).Accepted);
        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_gateway.Records.ContainsKey("ivr2-call")));
        var record = _gateway.Records["ivr2-call"];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Caller, record.EndedBy);
        Assert.Equal(["ivr2-a"], record.HandledBy.ToArray());
        // The call is over: late reports from the menu change nothing.
        Assert.False(await call.QueueFromIvr("ivr2", ImmutableDictionary<string, string>.Empty));
        Assert.False(await call.EndFromIvr(CallOutcome.Completed, null));
        Assert.Single(_gateway.Records.Keys, k => k == "ivr2-call");
    }

    [Fact]
    public async Task A_menu_that_ends_the_call_after_a_transfer_writes_its_outcome_and_an_abandon_is_no_outcome_for_a_served_call()
    {
        var (call, a, _) = await Connected("ivr3");
        Assert.True((await a.Transfer(TransferTarget.ToIvr("main"))).Accepted);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => call.EndFromIvr(CallOutcome.Abandoned, null));
        Assert.Equal(CallState.Ivr, (await call.GetSnapshot()).State);
        Assert.True(await call.EndFromIvr(CallOutcome.Voicemail, "voicemail"));
        await Eventually(() => Task.FromResult(_gateway.Records.ContainsKey("ivr3-call")));
        Assert.Equal(CallOutcome.Voicemail, _gateway.Records["ivr3-call"].Outcome);
    }

    [Fact]
    public async Task A_call_whose_audio_is_on_no_gateway_cannot_go_to_an_IVR_and_stays_with_its_agent()
    {
        var (call, a, _) = await Connected("ivr4", onGateway: false);
        var result = await a.Transfer(TransferTarget.ToIvr("main"));
        Assert.False(result.Accepted);
        var snapshot = await call.GetSnapshot();
        Assert.Equal(CallState.Connected, snapshot.State);
        Assert.Equal("ivr4-a", snapshot.AgentId);
        Assert.Equal(AgentState.OnCall, (await a.GetSnapshot()).State);
        Assert.False(await call.QueueFromIvr("ivr4", ImmutableDictionary<string, string>.Empty));
    }

    [Fact]
    public async Task A_transfer_to_a_node_the_callers_menu_does_not_have_is_refused_and_changes_nothing()
    {
        var (call, a, _) = await Connected("ivr5");
        var result = await a.Transfer(TransferTarget.ToIvr("no-such-node"));
        Assert.False(result.Accepted);
        Assert.Contains("no-such-node", result.Reason);
        var snapshot = await call.GetSnapshot();
        Assert.Equal(CallState.Connected, snapshot.State);
        Assert.Equal("ivr5-a", snapshot.AgentId);
        Assert.Equal(AgentState.OnCall, (await a.GetSnapshot()).State);
        Assert.DoesNotContain(_gateway.ToIvr, t => t.CallId == "ivr5-call");
        // The same agent can still send the caller to a node the menu has.
        Assert.True((await a.Transfer(TransferTarget.ToIvr("billing"))).Accepted);
        await Eventually(() => Task.FromResult(_gateway.ToIvr.Contains(("ivr5-call", "billing"))));
    }

    // ---- blind transfers from the desktop: the gateway takes the caller off the conversation first ----

    [Fact]
    public async Task A_transfer_to_an_agent_asks_the_gateway_to_hand_the_caller_over_before_the_target_rings_then_ends_it()
    {
        var (call, a, b) = await Connected("ho1");
        Assert.True((await a.Transfer(TransferTarget.ToAgent("ho1-b"))).Accepted);
        await Eventually(() => Task.FromResult(_gateway.HandOvers.Count == 2));
        Assert.Equal(["begin ho1-call ho1-a", "end ho1-call ho1-a done"], _gateway.HandOvers.ToArray());
        await Eventually(() => Task.FromResult(_gateway.Rings.Any(o => o.CallId == "ho1-call" && o.AgentId == "ho1-b")));
        Assert.True(await b.Answer("ho1-call"));
        Assert.Equal("ho1-b", (await call.GetSnapshot()).AgentId);
    }

    [Fact]
    public async Task A_transfer_to_a_queue_hands_the_caller_over_and_the_call_waits_there()
    {
        var (call, a, _) = await Connected("ho2");
        await Grains.GetQueue("ho2-other").Configure(new QueueSettings { Id = "ho2-other" });
        Assert.True((await a.Transfer(TransferTarget.ToQueue("ho2-other"))).Accepted);
        await Eventually(() => Task.FromResult(_gateway.HandOvers.Count == 2));
        Assert.Equal(["begin ho2-call ho2-a", "end ho2-call ho2-a done"], _gateway.HandOvers.ToArray());
        Assert.Equal("ho2-other", (await call.GetSnapshot()).QueueId);
    }

    [Fact]
    public async Task A_refused_transfer_gives_the_caller_back_to_the_agent_and_changes_nothing()
    {
        var (call, a, b) = await Connected("ho3");
        await b.SetNotReady("lunch");
        var result = await a.Transfer(TransferTarget.ToAgent("ho3-b"));
        Assert.False(result.Accepted);
        await Eventually(() => Task.FromResult(_gateway.HandOvers.Count == 2));
        Assert.Equal(["begin ho3-call ho3-a", "end ho3-call ho3-a refused"], _gateway.HandOvers.ToArray());
        var snapshot = await call.GetSnapshot();
        Assert.Equal((CallState.Connected, "ho3-a"), (snapshot.State, snapshot.AgentId));
        Assert.Equal(AgentState.OnCall, (await a.GetSnapshot()).State);
    }

    [Fact]
    public async Task When_the_gateway_cannot_hand_the_caller_over_the_transfer_is_refused_and_nothing_rings()
    {
        var (call, a, _) = await Connected("ho4");
        _gateway.RefuseHandOver = true;
        var result = await a.Transfer(TransferTarget.ToAgent("ho4-b"));
        Assert.False(result.Accepted);
        Assert.Equal(["begin ho4-call ho4-a"], _gateway.HandOvers.ToArray());
        Assert.DoesNotContain(_gateway.Rings, o => o.CallId == "ho4-call" && o.AgentId == "ho4-b");
        Assert.Equal("ho4-a", (await call.GetSnapshot()).AgentId);
        Assert.Equal(AgentState.Ready, (await Grains.GetAgent("ho4-b").GetSnapshot()).State);
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
