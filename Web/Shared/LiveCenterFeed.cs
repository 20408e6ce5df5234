using System.Collections.Immutable;
using CallCenter.Agents;
using CallCenter.Stats;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallCenter.Web.Shared;

/// <summary>What every live screen of this process shows: the center's figures and every agent's presence.</summary>
public sealed record CenterView(
    CenterStatistics Statistics,
    ImmutableDictionary<string, AgentPresenceReport> Agents,
    ImmutableDictionary<string, HourlyCalls> Hourly,
    long Version);

/// <summary>
/// The one subscriber of this process to the center's statistics grain. It keeps the latest
/// picture and tells the screens (circuits) that something changed; each screen then renders
/// at its own pace (<see cref="RenderThrottle"/>). Screens never call the grain themselves.
/// </summary>
public sealed class LiveCenterFeed(IGrainFactory grains, TimeProvider time, ILogger<LiveCenterFeed> logger)
    : BackgroundService, ICenterStatisticsObserver
{
    /// <summary>Renew well inside the grain's subscription lifetime; a renewal also resynchronises every agent.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private ICenterStatisticsObserver? _reference;
    private long _version;

    public CenterView? Current { get; private set; }

    /// <summary>Raised on a thread-pool thread after every applied update; handlers must not block.</summary>
    public event Action<CenterView>? Updated;

    private ICenterStatisticsFeedGrain Grain => grains.GetGrain<ICenterStatisticsFeedGrain>(GrainKeys.Center);

    public Task Changed(CenterUpdate update)
    {
        Apply(update);
        return Task.CompletedTask;
    }

    internal void Apply(CenterUpdate update)
    {
        CenterView view;
        lock (_gate)
        {
            var agents = update.Complete || Current is null
                ? update.Agents.ToImmutableDictionary(a => a.AgentId, StringComparer.Ordinal)
                : Current.Agents.SetItems(update.Agents
                    .Where(a => !Current.Agents.TryGetValue(a.AgentId, out var known) || known.Since <= a.Since)
                    .Select(a => KeyValuePair.Create(a.AgentId, a)));
            if (Current is not null && update.Statistics.At < Current.Statistics.At)
            {
                // A push overtaken by a newer one (one-way messages may be reordered): keep the newer figures.
                update = update with { Statistics = Current.Statistics, Hourly = Current.Hourly };
            }
            view = Current = new CenterView(update.Statistics, agents, update.Hourly, ++_version);
        }
        Updated?.Invoke(view);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = grains.CreateObjectReference<ICenterStatisticsObserver>(this);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = RenewEvery;
            try
            {
                Apply(await Grain.Subscribe(_reference).WaitAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The silo may still be starting, or the grain's silo just died: try again soon.
                logger.LogWarning(ex, "Could not subscribe to the center's statistics; retrying");
                wait = RetryAfter;
            }
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is not null)
        {
            try
            {
                await Grain.Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Unsubscribing from the center's statistics failed at shutdown");
            }
            grains.DeleteObjectReference<ICenterStatisticsObserver>(_reference);
        }
    }
}
