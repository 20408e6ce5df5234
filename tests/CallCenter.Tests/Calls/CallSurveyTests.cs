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
/// The post-call survey (IVR-3): the agent is released when the conversation ends, and the call's
/// one record carries the caller's score (or none) when the caller answers, hangs up or times out.
/// </summary>
public sealed class CallSurveyTests : IAsyncLifetime
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

    private async Task<(ICallGrain Call, IAgentGrain Agent, ICallObserver Observer)> ConnectedCall(string id)
    {
        await Grains.GetQueue("support").Configure(new QueueSettings { Id = "support", WrapUp = TimeSpan.FromSeconds(30) });
        var agent = Grains.GetAgent("survey-agent");
        await agent.Configure(new AgentProfile { Id = "survey-agent", Queues = ImmutableDictionary<string, int>.Empty.Add("support", 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(_phone), ready: true);
        var observer = Grains.CreateObjectReference<ICallObserver>(_phone);
        var call = Grains.GetCall(id);
        await call.Start(new CallArrival { CallId = id, CallerNumber = "073100000001", Service = "support" }, observer);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == id)));
        Assert.True(await agent.Answer(id));
        return (call, agent, observer);
    }

    [Fact]
    public async Task The_agent_is_released_at_once_and_the_record_carries_the_score()
    {
        var (call, agent, _) = await ConnectedCall("survey-1");

        await call.AttachRecording("/recordings/survey-1.wav");
        Assert.True(await call.StartSurvey(CallParty.Agent));

        Assert.Equal(CallState.Survey, (await call.GetSnapshot()).State);
        await Eventually(async () => (await agent.GetSnapshot()).State == AgentState.WrapUp);
        Assert.False(_phone.Records.ContainsKey("survey-1"));

        await call.SurveyAnswered(4);

        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("survey-1")));
        var record = _phone.Records["survey-1"];
        Assert.Equal(4, record.SurveyScore);
        Assert.Equal("/recordings/survey-1.wav", record.RecordingPath);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Agent, record.EndedBy);
        Assert.Equal("survey-agent", record.AgentId);
        Assert.True(record.Talk <= record.EndedAt - record.AnsweredAt!.Value);
    }

    [Fact]
    public async Task A_caller_who_hangs_up_in_the_survey_ends_the_call_without_a_score()
    {
        var (call, _, _) = await ConnectedCall("survey-2");
        Assert.True(await call.StartSurvey(CallParty.Caller));

        await call.Hangup(CallParty.Caller);

        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("survey-2")));
        var record = _phone.Records["survey-2"];
        Assert.Null(record.SurveyScore);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Caller, record.EndedBy);
        // A late answer after the end changes nothing and writes no second record.
        await call.SurveyAnswered(5);
        Assert.Null(_phone.Records["survey-2"].SurveyScore);
    }

    [Fact]
    public async Task A_score_outside_one_to_five_is_refused_and_changes_nothing()
    {
        var (call, _, _) = await ConnectedCall("survey-3");
        Assert.True(await call.StartSurvey(CallParty.Agent));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => call.SurveyAnswered(6));

        Assert.Equal(CallState.Survey, (await call.GetSnapshot()).State);
        await call.SurveyAnswered(null);
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("survey-3")));
        Assert.Null(_phone.Records["survey-3"].SurveyScore);
    }

    [Fact]
    public async Task A_call_that_was_never_answered_cannot_go_to_the_survey()
    {
        await Grains.GetQueue("empty").Configure(new QueueSettings { Id = "empty" });
        var call = Grains.GetCall("survey-4");
        await call.Start(new CallArrival { CallId = "survey-4", CallerNumber = "073100000002", Service = "empty" }, null);

        Assert.False(await call.StartSurvey(CallParty.Caller));
        Assert.Equal(CallState.Queued, (await call.GetSnapshot()).State);
        await call.Hangup(CallParty.Caller);
    }

    [Fact]
    public async Task A_call_that_ends_in_the_IVR_gets_a_record_with_no_queue_and_its_IVR_data()
    {
        var call = Grains.GetCall("ivr-1");
        var arrival = new CallArrival
        {
            CallId = "ivr-1",
            CallerNumber = "073100000003",
            Service = "1000",
            AttachedData = ImmutableDictionary<string, string>.Empty.Add("account", "12345678"),
        };
        var enteredAt = DateTimeOffset.UtcNow.AddSeconds(-40);

        Assert.True(await call.EndInIvr(arrival, enteredAt, CallOutcome.Completed, "self-service: balance", Grains.CreateObjectReference<ICallObserver>(_phone)));

        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("ivr-1")));
        var record = _phone.Records["ivr-1"];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Empty(record.QueuePath);
        Assert.Equal(enteredAt, record.ArrivedAt);
        Assert.Equal("12345678", record.AttachedData["account"]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Grains.GetCall("ivr-2").EndInIvr(arrival with { CallId = "ivr-2" }, enteredAt, CallOutcome.Rejected, null, null));
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
