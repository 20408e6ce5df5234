using System.Collections.Immutable;

namespace CallCenter.Stats;

/// <summary>
/// What the center's statistics grain pushes to a subscriber: the current figures and the agents
/// whose presence changed since the previous push (every agent when <see cref="Complete"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("stats.center-update")]
public sealed record CenterUpdate(
    [property: Id(0)] CenterStatistics Statistics,
    [property: Id(1)] ImmutableArray<AgentPresenceReport> Agents,
    [property: Id(2)] bool Complete,
    [property: Id(3)] ImmutableDictionary<string, HourlyCalls> Hourly);

/// <summary>
/// Today's calls per hour (index 0 = 00:00-01:00 UTC) for one scope. Keys in
/// <see cref="CenterUpdate.Hourly"/>: "center", "region:{id}", "queue:{id}".
/// </summary>
[GenerateSerializer, Immutable, Alias("stats.hourly-calls")]
public sealed record HourlyCalls(
    [property: Id(0)] ImmutableArray<int> Offered,
    [property: Id(1)] ImmutableArray<int> Answered)
{
    public const string CenterKey = "center";
    public static string RegionKey(string region) => "region:" + region;
    public static string QueueKey(string queue) => "queue:" + queue;
}

/// <summary>
/// A process that shows live figures (the web site) subscribes once and fans the updates out to
/// its screens, so screens never poll the grain. Pushes are batched: at most one per
/// <see cref="ICenterStatisticsFeedGrain.PushInterval"/>, and only when something changed.
/// </summary>
[Alias("stats.center-observer")]
public interface ICenterStatisticsObserver : IGrainObserver
{
    [Alias("changed"), OneWay] Task Changed(CenterUpdate update);
}

/// <summary>The push side of the center's statistics grain (same grain, same key as <see cref="ICenterStatisticsGrain"/>).</summary>
[Alias("stats.center-feed")]
public interface ICenterStatisticsFeedGrain : ICenterStatisticsGrain
{
    public static readonly TimeSpan PushInterval = TimeSpan.FromMilliseconds(200);
    /// <summary>How long a subscription lasts unless it is renewed by subscribing again.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>Subscribes (or renews) and returns the complete current picture.</summary>
    [Alias("subscribe")] Task<CenterUpdate> Subscribe(ICenterStatisticsObserver observer);
    [Alias("unsubscribe")] Task Unsubscribe(ICenterStatisticsObserver observer);
}
