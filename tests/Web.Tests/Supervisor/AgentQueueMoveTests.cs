using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Web.Supervisor;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Orleans.TestingHost;

namespace CallCenter.Web.Tests.Supervisor;

/// <summary>
/// Moving agents between queues (WB-2): the checks refuse bad moves before anything changes, and a
/// move applied to the agent grain starts (or stops) the queue offering the agent its calls, live.
/// </summary>
public sealed class AgentQueueMoveTests : IAsyncLifetime
{
    private static readonly IReadOnlySet<string> Known = new HashSet<string>(["q1", "q2", "q3"], StringComparer.Ordinal);
    private InProcessTestCluster _cluster = null!;
    private readonly Phone _phone = new();

    private sealed class Phone : IAgentPhone, ICallObserver
    {
        public ConcurrentQueue<Offer> Rings { get; } = new();
        public Task Ring(Offer offer) { Rings.Enqueue(offer); return Task.CompletedTask; }
        public Task OfferWithdrawn(string agentId, string callId) => Task.CompletedTask;
        public Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial) => Task.FromResult<string?>("this test phone does not dial");
        public Task CallEnded(string agentId, string callId) => Task.CompletedTask;
        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;
        public Task CallEnded(CallDetailRecord record) => Task.CompletedTask;
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

    private static AgentProfile Agent(params (string Queue, int Level)[] queues) =>
        new() { Id = "a1", Queues = queues.ToImmutableDictionary(q => q.Queue, q => q.Level, StringComparer.Ordinal) };

    [Property]
    public bool Adding_is_allowed_exactly_for_a_known_queue_a_level_in_range_and_a_real_change(int level, byte queueIndex, bool alreadyMember)
    {
        var queue = new[] { "q1", "q2", "q3", "nope" }[queueIndex % 4];
        var agent = alreadyMember ? Agent((queue, level)) : Agent();
        var errors = AgentQueueMove.CheckAdd(agent, queue, level, Known);
        var expected = Known.Contains(queue) && level is >= 1 and <= AgentQueueMove.MaxLevel && !alreadyMember;
        return errors.Count == 0 == expected;
    }

    [Property]
    public Property Applying_an_allowed_add_then_a_remove_restores_the_memberships()
    {
        var moves = from queue in Gen.Elements("q1", "q2", "q3")
                    from level in Gen.Choose(1, AgentQueueMove.MaxLevel)
                    select (queue, level);
        return Prop.ForAll(moves.ToArbitrary(), move =>
        {
            var (queue, level) = move;
            var before = Agent(("q1", 1));
            if (AgentQueueMove.CheckAdd(before, queue, level, Known).Count > 0)
                return true;
            var added = AgentQueueMove.Apply(before, queue, level);
            var removable = AgentQueueMove.CheckRemove(added, queue).Count == 0;
            var removed = AgentQueueMove.Apply(added, queue, null);
            return added.Queues[queue] == level && removable
                && (queue == "q1" ? removed.Queues.IsEmpty : removed.Queues.SequenceEqual(before.Queues));
        });
    }

    [Fact]
    public void Removing_a_queue_the_agent_is_not_in_is_refused()
    {
        Assert.Single(AgentQueueMove.CheckRemove(Agent(("q1", 1)), "q2"));
        Assert.Empty(AgentQueueMove.CheckRemove(Agent(("q1", 1)), "q1"));
    }

    [Fact]
    public void Teams_are_listed_once_each_in_order_without_blanks()
    {
        var teams = AgentQueueMove.TeamsOf([new AgentProfile { Id = "a", Team = "b" }, new AgentProfile { Id = "b", Team = "a" }, new AgentProfile { Id = "c", Team = "b" }, new AgentProfile { Id = "d" }, null]);
        Assert.Equal(["a", "b"], teams);
    }

    [Fact]
    public async Task An_agent_added_to_a_queue_is_offered_its_waiting_call_and_once_removed_is_not_offered_the_next()
    {
        foreach (var queue in new[] { "move-home", "move-other" })
            await Grains.GetQueue(queue).Configure(new QueueSettings { Id = queue });
        var agent = Grains.GetAgent("mover");
        await agent.Configure(new AgentProfile { Id = "mover", Queues = ImmutableDictionary<string, int>.Empty.Add("move-home", 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(_phone), ready: true);

        await Start("move-call-1", "move-other");
        // Waiting in a queue the agent is not in: nobody is offered it.
        Assert.Equal(1, (await Grains.GetQueue("move-other").GetStatistics()).CallsWaiting);
        Assert.DoesNotContain(_phone.Rings, o => o.CallId == "move-call-1");

        var profile = await agent.SetQueueMembership("move-other", 1);
        Assert.Equal(1, profile.Queues["move-other"]);
        await Eventually(() => _phone.Rings.Any(o => o.CallId == "move-call-1" && o.AgentId == "mover"));
        Assert.True(await agent.Answer("move-call-1"));
        await agent.Hangup();
        await agent.SetReady();

        profile = await agent.RemoveQueueMembership("move-other");
        Assert.False(profile.Queues.ContainsKey("move-other"));
        await Start("move-call-2", "move-other");
        await Start("move-call-3", "move-home");
        // The call of the queue it still belongs to reaches it; the other keeps waiting.
        await Eventually(() => _phone.Rings.Any(o => o.CallId == "move-call-3"));
        Assert.DoesNotContain(_phone.Rings, o => o.CallId == "move-call-2");
        Assert.Equal(1, (await Grains.GetQueue("move-other").GetStatistics()).CallsWaiting);
        Assert.Equal(AgentState.Reserved, (await agent.GetSnapshot()).State);
    }

    [Fact]
    public async Task A_bad_membership_change_is_refused_and_changes_nothing()
    {
        var agent = Grains.GetAgent("mover-bad");
        await agent.Configure(new AgentProfile { Id = "mover-bad", Queues = ImmutableDictionary<string, int>.Empty.Add("bad-home", 1) });
        await Assert.ThrowsAsync<ArgumentException>(() => agent.SetQueueMembership("bad-home", 0));
        await Assert.ThrowsAsync<ArgumentException>(() => agent.RemoveQueueMembership("not-a-member"));
        Assert.Equal(1, (await agent.GetSnapshot()).Profile!.Queues["bad-home"]);
        Assert.Single((await agent.GetSnapshot()).Profile!.Queues);
    }

    private async Task Start(string callId, string queue) =>
        await Grains.GetCall(callId).Start(new CallArrival { CallId = callId, CallerNumber = "01000000001", Service = queue },
            Grains.CreateObjectReference<ICallObserver>(_phone));

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 30 s.");
            await Task.Delay(20);
        }
    }
}
