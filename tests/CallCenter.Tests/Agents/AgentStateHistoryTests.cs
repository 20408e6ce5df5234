using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.History;
using CallCenter.Hosting;
using CallCenter.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace CallCenter.Tests.Agents;

/// <summary>
/// The agent state intervals the reports are built from (agent_state_intervals) name the call a
/// Reserved, OnCall or WrapUp interval belonged to. The interval is written when the agent leaves
/// the state, by which time the offer or the call is already cleared: the call id must be the one
/// fixed when the state was entered (it used to be null for Reserved and OnCall).
/// </summary>
public sealed class AgentStateHistoryTests : IAsyncLifetime
{
    private readonly RecordingHistorySink _history = new();
    private readonly TestPhone _phone = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var history = _history;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<IHistorySink>(history);
            silo.AddCallCenter(memoryStorage: true);
            silo.UseInMemoryReminderService();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Grains => _cluster.Client;

    [Fact]
    public async Task Reserved_on_call_and_wrap_up_intervals_name_their_call()
    {
        var agent = await ReadyAgent("hist-agent-1", "hist-q1", wrapUpSeconds: 1);
        var call = await OfferedCall("hist-call-1", "hist-q1");
        Assert.True(await agent.Answer("hist-call-1"));
        await call.Hangup(CallParty.Caller);
        await Eventually(async () => (await agent.GetSnapshot()).State == AgentState.Ready);

        var intervals = _history.For("hist-agent-1");
        Assert.Equal("hist-call-1", Assert.Single(intervals, i => i.State == AgentState.Reserved).CallId);
        Assert.Equal("hist-call-1", Assert.Single(intervals, i => i.State == AgentState.OnCall).CallId);
        Assert.Equal("hist-call-1", Assert.Single(intervals, i => i.State == AgentState.WrapUp).CallId);
        Assert.All(intervals.Where(i => i.State is AgentState.Ready or AgentState.NotReady), i => Assert.Null(i.CallId));
    }

    [Fact]
    public async Task A_declined_offer_leaves_a_reserved_interval_with_its_call_and_no_call_after_it()
    {
        var agent = await ReadyAgent("hist-agent-2", "hist-q2", wrapUpSeconds: 0);
        await OfferedCall("hist-call-2", "hist-q2");
        await agent.Decline("hist-call-2");
        await agent.SetReady();
        await Eventually(() => Task.FromResult(_history.For("hist-agent-2").Any(i => i.State == AgentState.NotReady)));

        var intervals = _history.For("hist-agent-2");
        Assert.Equal("hist-call-2", Assert.Single(intervals, i => i.State == AgentState.Reserved).CallId);
        Assert.Null(Assert.Single(intervals, i => i.State == AgentState.NotReady && i.Reason == "declined").CallId);
    }

    private async Task<IAgentGrain> ReadyAgent(string agentId, string queueId, int wrapUpSeconds)
    {
        await Grains.GetQueue(queueId).Configure(new QueueSettings { Id = queueId, WrapUp = TimeSpan.FromSeconds(wrapUpSeconds) });
        var agent = Grains.GetAgent(agentId);
        await agent.Configure(new AgentProfile { Id = agentId, Queues = ImmutableDictionary<string, int>.Empty.Add(queueId, 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(_phone), ready: true);
        return agent;
    }

    private async Task<ICallGrain> OfferedCall(string callId, string queueId)
    {
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival { CallId = callId, CallerNumber = "073100000002", Service = queueId }, Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId)));
        return call;
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

    private sealed class RecordingHistorySink : IHistorySink
    {
        private readonly ConcurrentQueue<AgentStateInterval> _intervals = new();

        public IReadOnlyList<AgentStateInterval> For(string agentId) => _intervals.Where(i => i.AgentId == agentId).ToList();

        public ValueTask WriteAsync(AgentStateInterval interval)
        {
            _intervals.Enqueue(interval);
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(QueueEvent queueEvent) => ValueTask.CompletedTask;
    }
}
