using CallCenter.Time;
using System.Collections.Immutable;
using CallCenter.Agents;

namespace CallCenter.Stats;

/// <summary>
/// Live figures for the whole center and each region (ACD-7), from queue figures and agent
/// presence pushed in batches four times a second. Agents are counted once, by home region.
/// Subscribers (the web site, one per process) get the figures pushed when they change, batched.
/// </summary>
public sealed class CenterStatisticsGrain(CallCenterClock clock) : Grain, ICenterStatisticsFeedGrain
{
    private const string CenterScope = "center";
    private readonly Dictionary<string, QueueStatistics> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentPresenceReport> _agents = new(StringComparer.Ordinal);
    private readonly CenterSubscribers<ICenterStatisticsObserver> _subscribers = new(ICenterStatisticsFeedGrain.SubscriptionLifetime);
    private readonly HourlyVolume _hourly = new();
    private IGrainTimer? _pushTimer;

    // Subscriptions live in real time, not on the center's clock: the simulator may run that clock
    // a hundred times faster, while the screens that subscribe renew every few real seconds.
    private static DateTimeOffset RealNow => TimeProvider.System.GetUtcNow();

    public Task ReportQueue(QueueStatistics statistics)
    {
        if (!_queues.TryGetValue(statistics.QueueId, out var known) || known.At <= statistics.At)
        {
            _queues[statistics.QueueId] = statistics;
            _hourly.Observe(statistics);
            _subscribers.FiguresChanged();
        }
        return Task.CompletedTask;
    }

    public Task ReportAgents(IReadOnlyList<AgentPresenceReport> reports)
    {
        foreach (var report in reports)
        {
            if (!_agents.TryGetValue(report.AgentId, out var known) || known.Since <= report.Since)
            {
                _agents[report.AgentId] = report;
                _subscribers.AgentChanged(report);
            }
        }
        return Task.CompletedTask;
    }

    public Task<CenterUpdate> Subscribe(ICenterStatisticsObserver observer)
    {
        _subscribers.Subscribe(observer, RealNow);
        _pushTimer ??= this.RegisterGrainTimer(Push, new GrainTimerCreationOptions(ICenterStatisticsFeedGrain.PushInterval, ICenterStatisticsFeedGrain.PushInterval) { KeepAlive = true });
        return Task.FromResult(new CenterUpdate(Figures(), [.. _agents.Values], Complete: true, _hourly.Today(clock.Now)));
    }

    public Task Unsubscribe(ICenterStatisticsObserver observer)
    {
        _subscribers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private Task Push()
    {
        if (_subscribers.TakeBatch(RealNow) is { } batch)
        {
            var update = new CenterUpdate(Figures(), batch.Agents, Complete: false, _hourly.Today(clock.Now));
            foreach (var observer in batch.Observers)
            {
                observer.Changed(update).Ignore();
            }
        }
        if (_subscribers.Count == 0)
        {
            _pushTimer?.Dispose();
            _pushTimer = null;
        }
        return Task.CompletedTask;
    }

    public Task<CenterStatistics> Get() => Task.FromResult(Figures());

    private CenterStatistics Figures()
    {
        var now = clock.Now;
        var regions = _queues.Values.Select(q => q.Region)
            .Concat(_agents.Values.Select(a => a.Region))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToImmutableDictionary(r => r, r => Scope(r, _queues.Values.Where(q => q.Region == r), _agents.Values.Where(a => a.Region == r), now));
        return new CenterStatistics(
            now,
            Scope(CenterScope, _queues.Values, _agents.Values, now),
            regions,
            _queues.ToImmutableDictionary());
    }

    private static ScopeStatistics Scope(string scope, IEnumerable<QueueStatistics> queues, IEnumerable<AgentPresenceReport> agents, DateTimeOffset now)
    {
        var list = queues.ToList();
        var (day, interval) = PeriodCounter.PeriodStarts(now);
        return new ScopeStatistics
        {
            Scope = scope,
            CallsWaiting = list.Sum(q => q.CallsWaiting),
            OldestWaitSeconds = list.Count == 0 ? 0 : list.Max(q => q.OldestWaitSeconds),
            AgentsByState = agents.Where(a => a.State != AgentState.LoggedOut)
                .GroupBy(a => a.State).ToImmutableDictionary(g => g.Key, g => g.Count()),
            // Counters of an interval or day that has since ended are left out.
            Interval = PeriodCounters.Sum(list.Select(q => q.Interval).Where(p => p.Start == interval), interval),
            Today = PeriodCounters.Sum(list.Select(q => q.Today).Where(p => p.Start == day), day),
        };
    }
}
