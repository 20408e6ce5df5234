using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using CallCenter.Tests.Fakes;

namespace CallCenter.Tests.Calls;

/// <summary>
/// When a caller hangs up on a connected call, its agent is released as soon as the record is
/// durable, together with the caller's side, not after the call's stored state is deleted. Found
/// by the scaling run on PostgreSQL (issue 7): the observer saw the last call end while its agent
/// still read OnCall, because the agent was told only after the delete's database round trip (and
/// during a database outage that delete can wait for a whole connection timeout). Here the
/// storage holds every delete of a call's state until the test lets it go, so the order is
/// decided by the grain code, not by timing.
/// </summary>
public sealed class CallEndOrderingTests : IAsyncLifetime
{
    private const string InnerStorage = "ordering-inner";

    private readonly GatedStorage.Gate _gate = new();
    private readonly TestPhone _phone = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var gate = _gate;
        builder.ConfigureSilo((options, silo) =>
        {
            // Durable live state, as on PostgreSQL, over a memory storage whose call deletes wait for the gate.
            silo.AddCallCenter(memoryStorage: false, durableState: true);
            silo.UseInMemoryReminderService();
            silo.AddMemoryGrainStorage(InnerStorage);
            silo.Services.AddOptions<MemoryGrainStorageOptions>(InnerStorage)
                .Configure<Orleans.Serialization.Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
            silo.Services.AddKeyedSingleton<IGrainStorage>(CallCenterSiloExtensions.StorageName,
                (sp, _) => new GatedStorage(sp.GetRequiredKeyedService<IGrainStorage>(InnerStorage), gate));
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        _gate.Open();
        await _cluster.DisposeAsync();
    }

    private IGrainFactory Grains => _cluster.Client;

    [Fact]
    public async Task A_caller_hang_up_releases_the_agent_before_the_stored_call_is_deleted()
    {
        var (call, agent) = await ConnectedCall("order-1", "order-agent-1", "order-q1");

        var hangup = call.Hangup(CallParty.Caller);

        // The record reached the caller's side and the delete of the stored call is held.
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("order-1")));
        await Eventually(() => Task.FromResult(_gate.Waiting > 0));
        Assert.False(hangup.IsCompleted);
        // The agent is off the call all the same (the queue has no wrap-up: it is ready again).
        await Eventually(async () => (await agent.GetSnapshot()) is { State: AgentState.Ready, CallId: null });
        Assert.Contains("order-1", _phone.EndedCallIds);

        _gate.Open();
        await hangup;
        var record = _phone.Records["order-1"];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal("order-agent-1", record.AgentId);
    }

    [Fact]
    public async Task An_agent_hang_up_ends_the_call_and_frees_the_agent_once_the_delete_is_done()
    {
        // The agent's own hang-up awaits the call, so the agent is freed when the call's end
        // returns; it is never also told "ended" by the call (that would end its next call).
        var (_, agent) = await ConnectedCall("order-2", "order-agent-2", "order-q2");

        var hangup = agent.Hangup();
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey("order-2")));
        await Eventually(() => Task.FromResult(_gate.Waiting > 0));
        Assert.False(hangup.IsCompleted);

        _gate.Open();
        await hangup;
        await Eventually(async () => (await agent.GetSnapshot()) is { State: AgentState.Ready, CallId: null });
        Assert.DoesNotContain("order-2", _phone.EndedCallIds);
        Assert.Equal(CallParty.Agent, _phone.Records["order-2"].EndedBy);
    }

    private async Task<(ICallGrain Call, IAgentGrain Agent)> ConnectedCall(string callId, string agentId, string queueId)
    {
        await Grains.GetQueue(queueId).Configure(new QueueSettings { Id = queueId });
        var agent = Grains.GetAgent(agentId);
        await agent.Configure(new AgentProfile { Id = agentId, Queues = ImmutableDictionary<string, int>.Empty.Add(queueId, 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(_phone), ready: true);
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival { CallId = callId, CallerNumber = "073100000001", Service = queueId }, Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId)));
        Assert.True(await agent.Answer(callId));
        return (call, agent);
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

/// <summary>Grain storage that holds every delete of a call's stored state until its gate opens.</summary>
internal sealed class GatedStorage(IGrainStorage inner, GatedStorage.Gate gate) : IGrainStorage
{
    public sealed class Gate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;

        public int Waiting => Volatile.Read(ref _waiting);

        public Task WaitAsync()
        {
            Interlocked.Increment(ref _waiting);
            return _open.Task;
        }

        public void Open() => _open.TrySetResult();
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.WriteStateAsync(stateName, grainId, grainState);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (stateName == "call")
        {
            await gate.WaitAsync();
        }
        await inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
