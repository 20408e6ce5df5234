using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Tests.Fakes;
using Orleans.TestingHost;

namespace CallCenter.Tests.Agents;

/// <summary>
/// Click-to-dial (CTI-4) through the grains: the test plays the gateway (the agent's phone takes the dial, then the
/// test reports the customer's answer and the end to the outbound call grain, as the gateway does). Refusals change
/// nothing; a dialling or talking agent gets no inbound offer; the one record says Outbound with the outcome.
/// </summary>
public sealed class AgentDialTests : IAsyncLifetime
{
    private readonly TestPhone _phone = new();
    private readonly InProcessTestCluster _silo = new InProcessTestClusterBuilder(1).ConfigureSilo((_, silo) => silo.AddCallCenter()).Build();

    public Task InitializeAsync() => _silo.DeployAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private IGrainFactory Grains => _silo.Client;

    /// <summary>A queue of its own per test and one agent in it, logged in as asked.</summary>
    private async Task<IAgentGrain> Agent(string name, bool ready, TestPhone? phone = null)
    {
        await Grains.GetQueue(name).Configure(new QueueSettings { Id = name, WrapUp = TimeSpan.Zero, RingTimeout = TimeSpan.FromSeconds(60) });
        var agent = Grains.GetAgent($"{name}-a");
        await agent.Configure(new AgentProfile { Id = $"{name}-a", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(phone ?? _phone), ready);
        return agent;
    }

    /// <summary>What the gateway does once the agent's phone took the dial: watch the call's end.</summary>
    private async Task<IOutboundCallGrain> Observed(string callId)
    {
        var call = Grains.GetOutboundCall(callId);
        await call.Observe(Grains.CreateObjectReference<ICallObserver>(_phone));
        return call;
    }

    private async Task<CallDetailRecord> RecordOf(string callId)
    {
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey(callId)));
        return _phone.Records[callId];
    }

    [Fact]
    public async Task A_dial_rings_the_agents_phone_makes_it_busy_and_an_answered_call_is_an_outbound_record_then_the_agent_is_ready()
    {
        var agent = await Agent("dial1", ready: true);

        var callId = await agent.Dial("+4930123456");

        Assert.StartsWith(OutboundNumber.CallIdPrefix, callId);
        var dial = Assert.Single(_phone.Dials, d => d.CallId == callId);
        Assert.Equal(("dial1-a", "+4930123456"), (dial.AgentId, dial.Number));
        var dialling = await agent.GetSnapshot();
        Assert.Equal((AgentState.Reserved, callId), (dialling.State, dialling.CallId));
        var call = await Observed(callId);
        Assert.Equal(OutboundCallState.Dialing, (await call.GetSnapshot()).State);

        Assert.True(await call.CustomerAnswered());
        await Eventually(async () => (await agent.GetSnapshot()).State == AgentState.OnCall);
        await call.End(CallParty.Caller, CallOutcome.Failed, "the customer hung up");

        var record = await RecordOf(callId);
        Assert.Equal(CallDirection.Outbound, record.Direction);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(("dial1-a", "+4930123456", "dial1-a"), (record.CallerNumber, record.CalledNumber, record.AgentId));
        Assert.Equal(CallParty.Caller, record.EndedBy);
        Assert.NotNull(record.AnsweredAt);
        Assert.True(record.EndedAt >= record.AnsweredAt);
        await Eventually(async () => (await agent.GetSnapshot()).State == AgentState.Ready);
        Assert.Contains(("dial1-a", callId), _phone.Ended);
        Assert.Equal(1, (await agent.GetSnapshot()).Counters.Calls);
    }

    [Theory]
    [InlineData(CallOutcome.Busy)]
    [InlineData(CallOutcome.NoAnswer)]
    [InlineData(CallOutcome.Failed)]
    public async Task An_unanswered_dial_has_its_outcome_on_the_record_and_the_agent_returns_to_the_presence_it_dialled_from(CallOutcome outcome)
    {
        var name = $"dial-{outcome}".ToLowerInvariant();
        var agent = await Agent(name, ready: false);
        await agent.SetNotReady("meeting");

        var callId = await agent.Dial("5551234");
        var call = await Observed(callId);
        await call.End(CallParty.System, outcome, "customer");

        var record = await RecordOf(callId);
        Assert.Equal((CallDirection.Outbound, outcome), (record.Direction, record.Outcome));
        Assert.Null(record.AnsweredAt);
        Assert.Equal(TimeSpan.Zero, record.Talk);
        await Eventually(async () => await agent.GetSnapshot() is { State: AgentState.NotReady, ReasonCode: "meeting" });
    }

    [Fact]
    public async Task The_agent_hanging_up_ends_the_call_with_its_record_before_the_agent_is_free()
    {
        var agent = await Agent("dial2", ready: true);
        var callId = await agent.Dial("5551234");
        var call = await Observed(callId);
        Assert.True(await call.CustomerAnswered());
        await Eventually(async () => (await agent.GetSnapshot()).State == AgentState.OnCall);

        await agent.Hangup();

        // The hang-up returned: the record is already written (the observer is told after it).
        var record = await RecordOf(callId);
        Assert.Equal((CallOutcome.Completed, CallParty.Agent), (record.Outcome, record.EndedBy));
        Assert.Equal(AgentState.Ready, (await agent.GetSnapshot()).State);
        Assert.False(await call.CustomerAnswered());
    }

    [Fact]
    public async Task A_dialling_or_talking_agent_is_offered_no_inbound_call_and_takes_it_once_the_outbound_call_ends()
    {
        var agent = await Agent("dial3", ready: true);
        var callId = await agent.Dial("5551234");
        var outbound = await Observed(callId);

        var inbound = Grains.GetCall("dial3-in");
        await inbound.Start(new CallArrival { CallId = "dial3-in", CallerNumber = "073100000099", Service = "dial3" },
            Grains.CreateObjectReference<ICallObserver>(_phone));
        Assert.Equal(CallState.Queued, (await inbound.GetSnapshot()).State);
        Assert.True(await outbound.CustomerAnswered());
        await Eventually(async () => (await agent.GetSnapshot()).State == AgentState.OnCall);
        Assert.Equal(CallState.Queued, (await inbound.GetSnapshot()).State);
        Assert.DoesNotContain(_phone.Rings, o => o.CallId == "dial3-in");

        await outbound.End(CallParty.Caller, CallOutcome.Failed, "the customer hung up");

        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == "dial3-in" && o.AgentId == "dial3-a")));
        Assert.Equal(AgentState.Reserved, (await agent.GetSnapshot()).State);
        Assert.True(_phone.Records.ContainsKey(callId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("123456789012345678901")]
    [InlineData("12a45")]
    [InlineData("++12345")]
    [InlineData("+")]
    [InlineData("555 1234")]
    public async Task A_bad_number_is_refused_and_changes_nothing(string number)
    {
        var agent = await Agent($"dialbad{number.Length}{number.GetHashCode() & 0xffff}", ready: true);
        var before = await agent.GetSnapshot();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => agent.Dial(number));

        Assert.Contains("cannot dial", error.Message);
        await AssertUnchanged(agent, before);
    }

    [Fact]
    public async Task A_phone_that_cannot_dial_refuses_with_its_reason_and_changes_nothing()
    {
        var phone = new TestPhone { DialRefusal = "no outbound trunk" };
        var agent = await Agent("dial4", ready: true, phone);
        var before = await agent.GetSnapshot();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => agent.Dial("5551234"));

        Assert.Contains("no outbound trunk", error.Message);
        await AssertUnchanged(agent, before);
        Assert.Empty(phone.Dials);
        Assert.Empty(phone.Records);
    }

    [Fact]
    public async Task A_logged_out_ringing_talking_or_dialling_agent_cannot_dial()
    {
        var loggedOut = Grains.GetAgent("dial5-x");
        await loggedOut.Configure(new AgentProfile { Id = "dial5-x" });
        Assert.Contains("logged out", (await Assert.ThrowsAsync<InvalidOperationException>(() => loggedOut.Dial("5551234"))).Message);
        Assert.Equal(AgentState.LoggedOut, (await loggedOut.GetSnapshot()).State);

        // Ringing: an inbound offer holds the agent.
        var agent = await Agent("dial5", ready: true);
        await Grains.GetCall("dial5-in").Start(new CallArrival { CallId = "dial5-in", CallerNumber = "073100000098", Service = "dial5" },
            Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == "dial5-in")));
        var ringing = await agent.GetSnapshot();
        Assert.Contains("ringing", (await Assert.ThrowsAsync<InvalidOperationException>(() => agent.Dial("5551234"))).Message);
        await AssertUnchanged(agent, ringing);

        // Talking: the answered inbound call.
        Assert.True(await agent.Answer("dial5-in"));
        var talking = await agent.GetSnapshot();
        Assert.Contains("on a call", (await Assert.ThrowsAsync<InvalidOperationException>(() => agent.Dial("5551234"))).Message);
        await AssertUnchanged(agent, talking);
        await agent.Hangup();

        // Dialling: a second dial while the first one rings.
        var dialler = await Agent("dial6", ready: true);
        var first = await dialler.Dial("5551234");
        var dialling = await dialler.GetSnapshot();
        Assert.Contains("ringing", (await Assert.ThrowsAsync<InvalidOperationException>(() => dialler.Dial("5559999"))).Message);
        await AssertUnchanged(dialler, dialling);
        Assert.Single(_phone.Dials, d => d.AgentId == "dial6-a");
        Assert.Equal(first, (await dialler.GetSnapshot()).CallId);
        // Nor can it go not-ready or log out in the middle of its call.
        await Assert.ThrowsAsync<InvalidOperationException>(() => dialler.SetNotReady("break"));
        await Assert.ThrowsAsync<InvalidAgentTransitionException>(() => dialler.Logout());
        await AssertUnchanged(dialler, dialling);
    }

    [Fact]
    public async Task Hanging_up_while_it_still_rings_gives_up_the_dial_as_no_answer()
    {
        var agent = await Agent("dial7", ready: true);
        var callId = await agent.Dial("5551234");
        await Observed(callId);

        await agent.Hangup();

        var record = await RecordOf(callId);
        Assert.Equal((CallOutcome.NoAnswer, CallParty.Agent), (record.Outcome, record.EndedBy));
        Assert.Equal(AgentState.Ready, (await agent.GetSnapshot()).State);
    }

    private static async Task AssertUnchanged(IAgentGrain agent, AgentSnapshot before)
    {
        var after = await agent.GetSnapshot();
        Assert.Equal((before.State, before.Since, before.CallId, before.ReasonCode), (after.State, after.Since, after.CallId, after.ReasonCode));
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
