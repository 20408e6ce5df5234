using System.Collections.Immutable;
using CallCenter.Hosting;
using CallCenter.Time;

namespace CallCenter.Agents;

[GenerateSerializer, Alias("agents.announcement-record")]
public sealed class AnnouncementBoardRecord
{
    [Id(0)] public ImmutableArray<Announcement> Recent { get; set; } = [];
    [Id(1)] public long LastId { get; set; }
}

/// <summary>Keeps the latest announcements (MSG-1) and pushes each new one to the subscribed web processes.</summary>
public sealed class AnnouncementBoardGrain(
    [PersistentState("announcements", CallCenterSiloExtensions.StorageName)] IPersistentState<AnnouncementBoardRecord> record,
    CallCenterClock clock)
    : Grain, IAnnouncementBoardGrain
{
    private static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);
    private readonly Dictionary<IAnnouncementObserver, DateTimeOffset> _subscribers = [];

    // Subscriptions live in real time: the center's clock may run faster in simulations.
    private static DateTimeOffset RealNow => TimeProvider.System.GetUtcNow();

    public async Task<Announcement> Post(string from, string text, string? queueId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException("An announcement needs some text.", nameof(text));
        if (text.Length > Announcement.MaxLength)
            throw new ArgumentException($"An announcement is at most {Announcement.MaxLength} characters (this one has {text.Length}).", nameof(text));
        var announcement = new Announcement(record.State.LastId + 1, clock.Now, from, text.Trim(), string.IsNullOrWhiteSpace(queueId) ? null : queueId);
        var recent = record.State.Recent.Insert(0, announcement);
        record.State.Recent = recent.Length > IAnnouncementBoardGrain.Keep ? recent.RemoveAt(recent.Length - 1) : recent;
        record.State.LastId = announcement.Id;
        await record.WriteStateAsync();
        foreach (var expired in _subscribers.Where(s => s.Value <= RealNow).Select(s => s.Key).ToList())
        {
            _subscribers.Remove(expired);
        }
        foreach (var observer in _subscribers.Keys)
        {
            observer.Posted(announcement).Ignore();
        }
        return announcement;
    }

    public Task<IReadOnlyList<Announcement>> Recent() => Task.FromResult<IReadOnlyList<Announcement>>(record.State.Recent);

    public Task<IReadOnlyList<Announcement>> Subscribe(IAnnouncementObserver observer)
    {
        _subscribers[observer] = RealNow + SubscriptionLifetime;
        return Recent();
    }

    public Task Unsubscribe(IAnnouncementObserver observer)
    {
        _subscribers.Remove(observer);
        return Task.CompletedTask;
    }
}
