using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using Orleans.TestingHost;
using CallCenter.Tests.Fakes;

namespace CallCenter.Tests.Calls;

/// <summary>
/// Blind transfer (CTI-2) through the grains: to an agent (rings it; back to the queue if not
/// answered), to a queue (keeps the caller's place), and the illegal requests that change nothing.
/// One record per call names every agent who handled it.
/// </summary>
public sealed class CallTransferTests : IAsyncLifetime
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

    /// <summary>A queue of its own per test (so agents are not shared), and two agents: the first ready, the second as asked.</summary>
    private async Task<(IAgentGrain First, IAgentGrain Second)> Center(string name, bool secondReady, TimeSpan? ringTimeout = null)
    {
        await Grains.GetQueue(name).Configure(new QueueSettings { Id = name, WrapUp = TimeSpan.FromSeconds(30), RingTimeout = ringTimeout ?? TimeSpan.FromSeconds(15) });
        var phone = Grains.CreateObjectReference<IAgentPhone>(_phone);
        var first = Grains.GetAgent($"{name}-a");
        await first.Configure(new AgentProfile { Id = $"{name}-a", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await first.Login(phone, ready: true);
        // The second agent is in no queue: only a transfer can ring it.
        var second = Grains.GetAgent($"{name}-b");
        await second.Configure(new AgentProfile { Id = $"{name}-b" });
        await second.Login(phone, ready: secondReady);
        return (first, second);
    }

    private async Task<ICallGrain> ConnectedTo(IAgentGrain agent, string agentId, string queue, string callId)
    {
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival
        {
            CallId = callId,
            CallerNumber = "073100000010",
            Service = queue,
            Priority = 3,
            AttachedData = ImmutableDictionary<string, string>.Empty.Add("account", "555"),
        }, Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId && o.AgentId == agentId)));
        Assert.True(await agent.Answer(callId));
        return call;
    }

    [Fact]
    public async Task A_transfer_to_a_ready_agent_rings_it_releases_the_first_agent_and_one_record_names_both()
    {
        var (first, second) = await Center("xfer1", secondReady: true);
        var call = await ConnectedTo(first, "xfer1-a", "xfer1", "xfer-call-1");

        var result = await first.Transfer(TransferTarget.ToAgent("xfer1-b"));

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(AgentState.WrapUp, (await first.GetSnapshot()).State);
        Assert.Equal(CallState.Offered, (await call.GetSnapshot()).State);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == "xfer-call-1" && o.AgentId == "xfer1-b")));
        Assert.Equal(AgentState.Reserved, (await second.GetSnapshot()).State);
        Assert.True(await second.Answer("xfer-call-1"));
        var connected = await call.GetSnapshot();
        Assert.Equal((CallState.Connected, "xfer1-b"), (connected.State, connected.AgentId));

        await second.Hangup();

        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("xfer-call-1")));
        var record = _phone.Records["xfer-call-1"];
        Assert.Equal(new[] { "xfer1-a", "xfer1-b" }, record.HandledBy.ToArray());
        Assert.Equal("xfer1-b", record.AgentId);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal("555", record.AttachedData["account"]);
        Assert.Equal("073100000010", record.CallerNumber);
        Assert.True(record.Talk <= record.EndedAt - record.AnsweredAt!.Value);
    }

    [Fact]
    public async Task A_transfer_to_an_agent_who_is_not_ready_is_refused_and_the_call_stays_with_the_first_agent()
    {
        var (first, _) = await Center("xfer2", secondReady: false);
        var call = await ConnectedTo(first, "xfer2-a", "xfer2", "xfer-call-2");

        var result = await first.Transfer(TransferTarget.ToAgent("xfer2-b"));

        Assert.False(result.Accepted);
        Assert.Contains("not ready", result.Reason);
        Assert.Equal(AgentState.OnCall, (await first.GetSnapshot()).State);
        var snapshot = await call.GetSnapshot();
        Assert.Equal((CallState.Connected, "xfer2-a"), (snapshot.State, snapshot.AgentId));
        await first.Hangup();
    }

    [Fact]
    public async Task A_transfer_that_is_not_answered_in_time_goes_back_to_the_queue_and_is_offered_again()
    {
        var (first, second) = await Center("xfer3", secondReady: true, ringTimeout: TimeSpan.FromSeconds(1));
        var call = await ConnectedTo(first, "xfer3-a", "xfer3", "xfer-call-3");

        Assert.True((await first.Transfer(TransferTarget.ToAgent("xfer3-b"))).Accepted);

        // The second agent never answers: ring-no-answer makes it not-ready and the call waits in its queue again.
        await Eventually(async () => (await second.GetSnapshot()).State == AgentState.NotReady);
        await Eventually(async () => (await call.GetSnapshot()).State is CallState.Queued or CallState.Offered);
        // The first agent finishes wrap-up and is offered the call again from the queue.
        var ringsBefore = _phone.Rings.Count(o => o.CallId == "xfer-call-3" && o.AgentId == "xfer3-a");
        await first.EndWrapUp();
        await Eventually(() => Task.FromResult(_phone.Rings.Count(o => o.CallId == "xfer-call-3" && o.AgentId == "xfer3-a") > ringsBefore));
        Assert.True(await first.Answer("xfer-call-3"));
        await first.Hangup();
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("xfer-call-3")));
        Assert.Equal(new[] { "xfer3-a" }, _phone.Records["xfer-call-3"].HandledBy.ToArray());
        Assert.Equal(new[] { "xfer3", "xfer3" }, _phone.Records["xfer-call-3"].QueuePath.ToArray());
    }

    [Fact]
    public async Task A_transfer_to_a_queue_keeps_the_callers_arrival_and_priority()
    {
        var (first, _) = await Center("xfer4", secondReady: true);
        await Grains.GetQueue("xfer4-billing").Configure(new QueueSettings { Id = "xfer4-billing" });
        var call = await ConnectedTo(first, "xfer4-a", "xfer4", "xfer-call-4");

        var result = await first.Transfer(TransferTarget.ToQueue("xfer4-billing"));

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(AgentState.WrapUp, (await first.GetSnapshot()).State);
        var snapshot = await call.GetSnapshot();
        Assert.Equal((CallState.Queued, "xfer4-billing", (string?)null), (snapshot.State, snapshot.QueueId, snapshot.AgentId));
        // A caller who arrives later with the same priority waits behind the transferred one.
        await Grains.GetCall("xfer-call-4-later").Start(new CallArrival { CallId = "xfer-call-4-later", CallerNumber = "073100000011", Service = "xfer4-billing", Priority = 3 }, null);
        var position = await Grains.GetQueue("xfer4-billing").GetPosition("xfer-call-4");
        Assert.Equal(1, position!.Position);

        await call.Hangup(CallParty.Caller);
        await Grains.GetCall("xfer-call-4-later").Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("xfer-call-4")));
        var record = _phone.Records["xfer-call-4"];
        Assert.Equal(new[] { "xfer4", "xfer4-billing" }, record.QueuePath.ToArray());
        Assert.Equal(new[] { "xfer4-a" }, record.HandledBy.ToArray());
        Assert.Equal(3, record.Priority);
        Assert.Equal(CallOutcome.Abandoned, record.Outcome);
    }

    [Fact]
    public async Task Illegal_transfers_are_clear_errors_and_change_nothing()
    {
        var (first, second) = await Center("xfer5", secondReady: true);
        // An agent with no call cannot transfer.
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.Transfer(TransferTarget.ToAgent("xfer5-a")));
        var call = await ConnectedTo(first, "xfer5-a", "xfer5", "xfer-call-5");

        // Not the agent on the call, to itself, an empty target, a queue that does not exist.
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.Transfer("xfer5-b", TransferTarget.ToQueue("xfer5")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.Transfer(TransferTarget.ToAgent("xfer5-a")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.Transfer(TransferTarget.ToAgent(" ")));
        var noQueue = await first.Transfer(TransferTarget.ToQueue("xfer5-nowhere"));
        Assert.False(noQueue.Accepted);

        var snapshot = await call.GetSnapshot();
        Assert.Equal((CallState.Connected, "xfer5-a"), (snapshot.State, snapshot.AgentId));
        Assert.Equal(AgentState.OnCall, (await first.GetSnapshot()).State);
        Assert.Equal(AgentState.Ready, (await second.GetSnapshot()).State);
        await first.Hangup();
    }

    [Fact]
    public async Task A_caller_who_hangs_up_while_the_transfer_rings_stops_the_ring()
    {
        var (first, second) = await Center("xfer6", secondReady: true);
        var call = await ConnectedTo(first, "xfer6-a", "xfer6", "xfer-call-6");
        Assert.True((await first.Transfer(TransferTarget.ToAgent("xfer6-b"))).Accepted);

        await call.Hangup(CallParty.Caller);

        await Eventually(() => Task.FromResult(_phone.Withdrawn.Contains(("xfer6-b", "xfer-call-6"))));
        await Eventually(async () => (await second.GetSnapshot()).State == AgentState.Ready);
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("xfer-call-6")));
        var record = _phone.Records["xfer-call-6"];
        Assert.Equal(CallOutcome.Abandoned, record.Outcome);
        Assert.Equal(new[] { "xfer6-a" }, record.HandledBy.ToArray());
        Assert.False(await second.Answer("xfer-call-6"));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(20);
        }
    }
}
