using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using FsCheck;
using FsCheck.Fluent;
using Orleans.TestingHost;

namespace CallCenter.Tests.Calls;

/// <summary>
/// Supervisor monitoring (WB-2) through the grains: the call asks its media host to ring the supervisor,
/// learns of the answer and the hang-up, and whatever supervisors do, the caller-agent call is never broken.
/// </summary>
public sealed class CallMonitoringTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private readonly Phone _phone = new();

    private sealed class Phone : IAgentPhone, ICallObserver, ICallMediaHost
    {
        public ConcurrentQueue<Offer> Rings { get; } = new();
        public ConcurrentDictionary<string, CallDetailRecord> Records { get; } = new();
        public ConcurrentQueue<(string CallId, string Supervisor, MonitorMode? Mode)> Media { get; } = new();
        public Task Ring(Offer offer) { Rings.Enqueue(offer); return Task.CompletedTask; }
        public Task OfferWithdrawn(string agentId, string callId) => Task.CompletedTask;
        public Task<string?> PlaceCall(OutboundDial dial) => Task.FromResult<string?>("this test phone does not dial");
        public Task CallEnded(string agentId, string callId) => Task.CompletedTask;
        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;
        public Task CallEnded(CallDetailRecord record) { Records[record.CallId] = record; return Task.CompletedTask; }
        public Task MonitorRequested(string callId, string supervisorId, MonitorMode mode) { Media.Enqueue((callId, supervisorId, mode)); return Task.CompletedTask; }
        public Task MonitorStopped(string callId, string supervisorId) { Media.Enqueue((callId, supervisorId, null)); return Task.CompletedTask; }
        public Task TransferredToIvr(string callId, string nodeId) => Task.CompletedTask;
        public Task<bool> HasIvrNode(string callId, string nodeId) => Task.FromResult(true);
        public Task<bool> BeginHandOver(string callId, string agentId) => Task.FromResult(true);
        public Task EndHandOver(string callId, string agentId, bool done) => Task.CompletedTask;
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

    /// <summary>A queue and an agent of their own, and a call the agent answered.</summary>
    private async Task<(ICallGrain Call, IAgentGrain Agent)> Connected(string name, bool withMedia = true)
    {
        await Grains.GetQueue(name).Configure(new QueueSettings { Id = name, WrapUp = TimeSpan.Zero });
        var agent = Grains.GetAgent($"{name}-a");
        await agent.Configure(new AgentProfile { Id = $"{name}-a", Queues = ImmutableDictionary<string, int>.Empty.Add(name, 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(_phone), ready: true);
        var callId = $"{name}-call";
        var call = Grains.GetCall(callId);
        await call.Start(new CallArrival { CallId = callId, CallerNumber = "073100000020", Service = name },
            Grains.CreateObjectReference<ICallObserver>(_phone));
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == callId)));
        Assert.True(await agent.Answer(callId));
        if (withMedia)
        {
            await call.AttachMedia(Grains.CreateObjectReference<ICallMediaHost>(_phone));
        }
        return (call, agent);
    }

    [Fact]
    public async Task Monitoring_rings_the_supervisor_through_the_media_host_and_a_mode_change_is_sent_live()
    {
        var (call, _) = await Connected("mon1");
        var monitor = await call.Monitor("sup1", MonitorMode.Listen);
        Assert.Equal(new CallMonitor("sup1", MonitorMode.Listen, MonitorStatus.Ringing), monitor);
        Assert.True(await call.MonitorJoined("sup1"));
        Assert.Equal(MonitorStatus.Joined, (await call.Monitor("sup1", MonitorMode.Whisper)).Status);
        Assert.True(await call.StopMonitor("sup1"));
        await Eventually(() => Task.FromResult(_phone.Media.Count(m => m.CallId == "mon1-call") == 3));
        Assert.Equal(
            [("mon1-call", "sup1", (MonitorMode?)MonitorMode.Listen), ("mon1-call", "sup1", MonitorMode.Whisper), ("mon1-call", "sup1", null)],
            _phone.Media.Where(m => m.CallId == "mon1-call"));
        Assert.Empty(await call.GetMonitors());
    }

    [Fact]
    public async Task A_call_whose_audio_is_on_no_gateway_or_that_is_not_connected_cannot_be_monitored_and_nothing_changes()
    {
        var (simulated, _) = await Connected("mon2", withMedia: false);
        await Assert.ThrowsAsync<InvalidOperationException>(() => simulated.Monitor("sup1", MonitorMode.Listen));
        Assert.Empty(await simulated.GetMonitors());
        var (call, _) = await Connected("mon3");
        // The agent on the call cannot monitor itself.
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.Monitor("mon3-a", MonitorMode.Listen));
        await call.Hangup(CallParty.Caller);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.Monitor("sup1", MonitorMode.Listen));
        Assert.DoesNotContain(_phone.Media, m => m.CallId is "mon2-call" or "mon3-call");
    }

    [Fact]
    public async Task The_end_of_the_conversation_hangs_up_every_supervisor()
    {
        var (call, _) = await Connected("mon4");
        await call.Monitor("sup1", MonitorMode.Barge);
        await call.Monitor("sup2", MonitorMode.Listen);
        Assert.True(await call.MonitorJoined("sup1"));
        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Media.Count(m => m.CallId == "mon4-call" && m.Mode is null) == 2));
        Assert.False(await call.MonitorJoined("sup2"));
    }

    private enum Kind { Monitor, Joined, Left, Stop, ToggleHold }

    private sealed record Step(Kind Kind, string Supervisor, MonitorMode Mode)
    {
        public override string ToString() => $"{Kind}({Supervisor},{Mode})";
    }

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Frequency((4, Gen.Constant(Kind.Monitor)), (3, Gen.Constant(Kind.Joined)), (2, Gen.Constant(Kind.Left)),
            (2, Gen.Constant(Kind.Stop)), (2, Gen.Constant(Kind.ToggleHold)))
        from supervisor in Gen.Elements(["sup1", "sup2", "sup3"])
        from mode in Gen.Elements(Enum.GetValues<MonitorMode>())
        select new Step(kind, supervisor, mode);

    [Fact]
    public async Task Whatever_supervisors_do_the_caller_agent_call_is_never_broken()
    {
        var steps = Gen.Sized(size => Gen.ListOf(StepGen, Math.Min(size, 25) + 5)).Select(list => list.ToArray()).ToArbitrary();
        var config = Config.QuickThrowOnFailure.WithMaxTest(15).WithQuietOnSuccess(true);
        var run = 0;
        // The body blocks on async work: run it off xUnit's synchronisation context.
        await Task.Run(() => Check.One(config, Prop.ForAll(steps, s => RunAsync($"monp{Interlocked.Increment(ref run)}", s).GetAwaiter().GetResult())));
    }

    private async Task<bool> RunAsync(string name, Step[] steps)
    {
        var (call, agent) = await Connected(name);
        var callId = $"{name}-call";
        var model = new Dictionary<string, (MonitorMode Mode, bool Joined)>();
        var held = false;
        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case Kind.Monitor:
                    await call.Monitor(step.Supervisor, step.Mode);
                    model[step.Supervisor] = (step.Mode, model.TryGetValue(step.Supervisor, out var m) && m.Joined);
                    break;
                case Kind.Joined:
                    var ringing = model.TryGetValue(step.Supervisor, out var joining) && !joining.Joined;
                    if (model.TryGetValue(step.Supervisor, out var already) && already.Joined)
                    {
                        // The media host reports an answer once; a second report is a clear error.
                        await Assert.ThrowsAsync<InvalidOperationException>(() => call.MonitorJoined(step.Supervisor));
                        break;
                    }
                    Assert.Equal(ringing, await call.MonitorJoined(step.Supervisor));
                    if (ringing) model[step.Supervisor] = (joining.Mode, true);
                    break;
                case Kind.Left:
                    await call.MonitorLeft(step.Supervisor);
                    model.Remove(step.Supervisor);
                    break;
                case Kind.Stop:
                    Assert.Equal(model.Remove(step.Supervisor), await call.StopMonitor(step.Supervisor));
                    break;
                case Kind.ToggleHold:
                    // The agent puts the caller on hold or takes them back; monitoring goes on.
                    await (held ? agent.Retrieve() : agent.Hold());
                    held = !held;
                    break;
            }
            var snapshot = await call.GetSnapshot();
            Assert.Equal(held ? CallState.OnHold : CallState.Connected, snapshot.State);
            Assert.Equal($"{name}-a", snapshot.AgentId);
            var presence = await agent.GetSnapshot();
            Assert.Equal(callId, presence.CallId);
            Assert.Equal(held ? AgentState.OnHold : AgentState.OnCall, presence.State);
            var monitors = await call.GetMonitors();
            Assert.Equal(model.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new CallMonitor(p.Key, p.Value.Mode, p.Value.Joined ? MonitorStatus.Joined : MonitorStatus.Ringing)), monitors);
        }
        await call.Hangup(CallParty.Caller);
        await Eventually(() => Task.FromResult(_phone.Records.ContainsKey(callId)));
        var record = _phone.Records[callId];
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal([$"{name}-a"], record.HandledBy.ToArray());
        // Every supervisor still on the call when it ended was hung up.
        await Eventually(() => Task.FromResult(model.Keys.All(s => _phone.Media.Any(m => m.CallId == callId && m.Supervisor == s && m.Mode is null))));
        return true;
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
