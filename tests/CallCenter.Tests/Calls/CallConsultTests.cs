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
/// Attended transfer (CTI-2) through the grains: an agent consults another while the caller waits; the hand-over
/// changes the call's agent with one record naming both; a consultation that ends without it leaves the caller with
/// the first agent and the consulted agent off the record. Illegal requests change nothing.
/// </summary>
public sealed class CallConsultTests : IAsyncLifetime
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

    /// <summary>A queue with agent A (answers the call) and agent B in no queue, ready as asked.</summary>
    private async Task<(ICallGrain Call, IAgentGrain A, IAgentGrain B)> Connected(string name, bool bReady = true)
    {
        await Grains.GetQueue(name).Configure(new QueueSettings { Id = name, WrapUp = TimeSpan.Zero });
        var phone = Grains.CreateObjectReference<IAgentPhone>(_phone);
        var a = Grains.GetAgent($"{name}-a");
        await a.Configure(new AgentProfile { Id = $"{name}-a", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await a.Login(phone, ready: true);
        var b = Grains.GetAgent($"{name}-b");
        await b.Configure(new AgentProfile { Id = $"{name}-b" });
        await b.Login(phone, ready: bReady);
        var callId = $"{name}-call";
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival { CallId = callId, CallerNumber = "073100000040", Service = name }, Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId && o.AgentId == $"{name}-a")));
        Assert.True(await a.Answer(callId));
        return (call, a, b);
    }

    private async Task Consults(IAgentGrain from, IAgentGrain agent, string agentId, string callId)
    {
        Assert.True((await from.Consult(agentId)).Accepted);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId && o.AgentId == agentId)));
        Assert.True(await agent.Answer(callId));
    }

    [Fact]
    public async Task The_hand_over_after_a_consultation_makes_the_consulted_agent_the_calls_agent_with_one_record_naming_both()
    {
        var (call, a, b) = await Connected("att1");
        await a.Hold();
        await Consults(a, b, "att1-b", "att1-call");
        // While they talk, the consulted agent is busy but not on the caller's conversation.
        Assert.Equal(AgentState.OnCall, (await b.GetSnapshot()).State);
        Assert.Equal(["att1-a"], await call.GetAgentsOnCall());
        Assert.Equal("att1-b", await call.GetConsultedAgent());

        Assert.True((await a.Transfer(TransferTarget.ToAgent("att1-b"))).Accepted);
        var snapshot = await call.GetSnapshot();
        Assert.Equal(CallState.Connected, snapshot.State);
        Assert.Equal("att1-b", snapshot.AgentId);
        Assert.Null(await call.GetConsultedAgent());
        Assert.NotEqual(AgentState.OnCall, (await a.GetSnapshot()).State);
        Assert.Equal("att1-call", (await b.GetSnapshot()).CallId);

        await b.Hangup();
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("att1-call")));
        var record = _phone.Records["att1-call"];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Agent, record.EndedBy);
        Assert.Equal(["att1-a", "att1-b"], record.HandledBy.ToArray());
        Assert.Equal("att1-b", record.AgentId);
    }

    [Fact]
    public async Task When_the_consulted_agent_hangs_up_the_caller_stays_with_the_first_agent_and_the_record_names_only_it()
    {
        var (call, a, b) = await Connected("att2");
        await Consults(a, b, "att2-b", "att2-call");

        await b.Hangup();
        Assert.NotEqual(AgentState.OnCall, (await b.GetSnapshot()).State);
        var snapshot = await call.GetSnapshot();
        Assert.Equal(CallState.Connected, snapshot.State);
        Assert.Equal("att2-a", snapshot.AgentId);
        Assert.Null(await call.GetConsultedAgent());
        // Nothing to hand over now.
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Transfer(TransferTarget.ToAgent("att2-a")));

        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("att2-call")));
        Assert.Equal(["att2-a"], _phone.Records["att2-call"].HandledBy.ToArray());
    }

    [Fact]
    public async Task Ending_the_consultation_releases_the_consulted_agent_and_a_caller_hang_up_during_one_ends_the_call_once()
    {
        var (call, a, b) = await Connected("att3");
        await Consults(a, b, "att3-b", "att3-call");
        Assert.True(await call.EndConsult("att3-a"));
        await Eventually(() => Task.FromResult(_phone.Ended.Contains(("att3-b", "att3-call"))));
        await Eventually(async () => (await b.GetSnapshot()).State != AgentState.OnCall);
        Assert.False(await call.EndConsult("att3-a"));

        // A second consultation, then the caller hangs up: both agents are released and the call has one record.
        await Eventually(async () => (await b.GetSnapshot()).State == AgentState.Ready);
        Assert.True((await a.Consult("att3-b")).Accepted);
        await Eventually(() => Task.FromResult(_phone.Rings.Count(o => o.AgentId == "att3-b") == 2));
        Assert.True(await b.Answer("att3-call"));
        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Ended.Count(e => e == ("att3-b", "att3-call")) == 2 && _phone.Ended.Contains(("att3-a", "att3-call"))));
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("att3-call")));
        Assert.Equal(["att3-a"], _phone.Records["att3-call"].HandledBy.ToArray());
        Assert.Equal(CallState.New, (await call.GetSnapshot()).State);
    }

    [Fact]
    public async Task A_consulted_agent_who_does_not_answer_stops_ringing_and_the_call_goes_on_as_it_was()
    {
        var (call, a, b) = await Connected("att4");
        Assert.True((await a.Consult("att4-b")).Accepted);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.AgentId == "att4-b")));
        // The hand-over needs an answered consultation.
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Transfer(TransferTarget.ToAgent("att4-b")));
        await b.Decline("att4-call");
        await Eventually(async () => await call.GetConsultedAgent() is null);
        Assert.Equal("att4-a", (await call.GetSnapshot()).AgentId);
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
    }

    [Fact]
    public async Task Illegal_or_refused_consultations_change_nothing()
    {
        var (call, a, b) = await Connected("att5", bReady: false);
        Assert.False((await a.Consult("att5-b")).Accepted);
        Assert.DoesNotContain(_phone.Rings, o => o.AgentId == "att5-b");
        Assert.Null(await call.GetConsultedAgent());
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.Consult("att5-a"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.Consult("att5-x", "att5-b"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => b.Consult("att5-a"));
        Assert.False(await call.EndConsult("att5-a"));
        Assert.Equal("att5-a", (await call.GetSnapshot()).AgentId);
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property A_consultation_starts_only_from_the_lead_agent_of_a_connected_call_with_nothing_else_going_on() =>
        Prop.ForAll(
            Gen.Zip(
                Gen.Zip(Gen.Elements(Enum.GetValues<CallState>()), Gen.Elements<string?>(null, "a", "b")),
                Gen.Zip(Gen.Zip(Gen.Choose(0, 1), Gen.Elements(true, false)), Gen.Zip(Gen.Elements(true, false), Gen.Zip(Gen.Elements("a", "b"), Gen.Elements("a", "b", "c", "", " "))))).ToArbitrary(),
            input =>
            {
                var ((state, lead), ((conference, ringing), (consulting, (from, target)))) = input;
                var current = consulting ? Consultation.None.Ring("a", "c", 1) : Consultation.None;
                var error = ConsultRules.Check(state, lead, conference, ringing, current, from, target);
                var expected = state is CallState.Connected or CallState.OnHold && lead == from && !string.IsNullOrWhiteSpace(target)
                    && target != from && conference == 0 && !ringing && !consulting;
                Assert.Equal(expected, error is null);
            });

    private enum Step { Ring, Answer, WrongAnswer, End, Complete, WrongComplete }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property The_consultation_follows_its_state_machine_and_an_illegal_step_throws_and_changes_nothing() =>
        Prop.ForAll(
            Gen.Elements(Enum.GetValues<Step>()).ArrayOf().ToArbitrary(),
            steps =>
            {
                var consult = Consultation.None;
                foreach (var step in steps)
                {
                    var before = consult;
                    (ConsultStage To, bool Legal) expected = step switch
                    {
                        Step.Ring => (ConsultStage.Ringing, before.Stage == ConsultStage.None),
                        Step.Answer => (ConsultStage.Talking, before.Stage == ConsultStage.Ringing),
                        Step.WrongAnswer => (before.Stage, false),
                        Step.End => (ConsultStage.None, before.Stage != ConsultStage.None),
                        Step.Complete => (ConsultStage.None, before.Stage == ConsultStage.Talking),
                        _ => (before.Stage, false),
                    };
                    Func<Consultation> act = step switch
                    {
                        Step.Ring => () => before.Ring("a", "b", 7),
                        Step.Answer => () => before.Answered("b", 7),
                        Step.WrongAnswer => () => before.Answered("c", 8),
                        Step.End => before.Ended,
                        Step.Complete => () => before.Completed("a"),
                        _ => () => before.Completed("b"),
                    };
                    if (expected.Legal)
                    {
                        consult = act();
                    }
                    else
                    {
                        Assert.Throws<InvalidOperationException>(() => act());
                        Assert.Equal(before, consult);
                    }
                    Assert.Equal(expected.Legal ? expected.To : before.Stage, consult.Stage);
                    Assert.True(Consultation.IsLegal(before.Stage, consult.Stage) || before == consult);
                    // The consulted agent is named exactly while a consultation goes on.
                    Assert.Equal(consult.IsActive, consult.AgentId is not null);
                }
            });

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
