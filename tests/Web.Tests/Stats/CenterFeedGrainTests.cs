using System.Collections.Concurrent;
using CallCenter.Agents;
using CallCenter.Hosting;
using CallCenter.Stats;
using Orleans.TestingHost;

namespace CallCenter.Web.Tests.Stats;

/// <summary>The statistics grain pushes changes to its subscribers, batched, and stops once they unsubscribe.</summary>
public sealed class CenterFeedGrainTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private InProcessTestCluster _cluster = null!;

    private sealed class Observer : ICenterStatisticsObserver
    {
        public ConcurrentQueue<CenterUpdate> Updates { get; } = new();
        public Task Changed(CenterUpdate update)
        {
            Updates.Enqueue(update);
            return Task.CompletedTask;
        }
    }

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ICenterStatisticsFeedGrain Feed => _cluster.Client.GetGrain<ICenterStatisticsFeedGrain>(GrainKeys.Center);

    [Fact]
    public async Task A_presence_change_is_pushed_to_the_subscriber_and_a_subscription_starts_complete()
    {
        var observer = new Observer();
        var reference = _cluster.Client.CreateObjectReference<ICenterStatisticsObserver>(observer);
        var since = DateTimeOffset.UtcNow;
        await Feed.ReportAgents([new AgentPresenceReport("a1", "bj", AgentState.Ready, since, 1)]);

        // Reports are one-way: the subscription may overtake the first one. Subscribing again only renews.
        var first = await Feed.Subscribe(reference);
        for (var i = 0; i < 100 && first.Agents.IsEmpty; i++)
        {
            await Task.Delay(20);
            first = await Feed.Subscribe(reference);
        }
        Assert.True(first.Complete);
        Assert.Contains(first.Agents, a => a.AgentId == "a1" && a.State == AgentState.Ready);

        await Feed.ReportAgents([new AgentPresenceReport("a1", "bj", AgentState.NotReady, since.AddSeconds(1), 2)]);
        var pushed = await WaitFor(observer, u => u.Agents.Any(a => a.AgentId == "a1" && a.State == AgentState.NotReady));
        Assert.False(pushed.Complete);
        Assert.Equal(1, pushed.Statistics.Center.AgentsByState.GetValueOrDefault(AgentState.NotReady));

        await Feed.Unsubscribe(reference);
        // A push sent just before the unsubscription may still be on its way: let it land first.
        await Task.Delay(ICenterStatisticsFeedGrain.PushInterval * 5);
        var count = observer.Updates.Count;
        await Feed.ReportAgents([new AgentPresenceReport("a1", "bj", AgentState.Ready, since.AddSeconds(2), 3)]);
        await Task.Delay(ICenterStatisticsFeedGrain.PushInterval * 5);
        Assert.Equal(count, observer.Updates.Count);
    }

    [Fact]
    public async Task Many_changes_between_two_pushes_arrive_as_few_batches()
    {
        var observer = new Observer();
        await Feed.Subscribe(_cluster.Client.CreateObjectReference<ICenterStatisticsObserver>(observer));
        var since = DateTimeOffset.UtcNow;
        for (var i = 0; i < 200; i++)
        {
            await Feed.ReportAgents([new AgentPresenceReport($"a{i % 10}", "bj", i % 2 == 0 ? AgentState.Ready : AgentState.OnCall, since.AddMilliseconds(i), i)]);
        }
        await WaitFor(observer, u => u.Agents.Any(a => a.Sequence == 199));
        // 200 changes, pushed at most once per push interval: far fewer pushes than changes.
        Assert.True(observer.Updates.Count < 200, $"{observer.Updates.Count} pushes for 200 changes");
        Assert.All(observer.Updates, u => Assert.True(u.Agents.Length <= 10));
    }

    private static async Task<CenterUpdate> WaitFor(Observer observer, Func<CenterUpdate, bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!timeout.IsCancellationRequested)
        {
            if (observer.Updates.FirstOrDefault(condition) is { } update)
                return update;
            await Task.Delay(20);
        }
        throw new TimeoutException("The expected update was not pushed.");
    }
}
