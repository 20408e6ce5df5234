namespace CallCenter.Agents;

/// <summary>A message from a team leader or supervisor to agents (MSG-1): to everyone, or to the members of one queue.</summary>
[GenerateSerializer, Immutable, Alias("agents.announcement")]
public sealed record Announcement(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string From,
    [property: Id(3)] string Text,
    [property: Id(4)] string? QueueId)
{
    public const int MaxLength = 500;

    /// <summary>Whether an agent of these queues should see it.</summary>
    public bool IsFor(IEnumerable<string> agentQueues) => QueueId is null || agentQueues.Contains(QueueId, StringComparer.Ordinal);
}

[Alias("agents.announcement-observer")]
public interface IAnnouncementObserver : IGrainObserver
{
    [Alias("posted"), OneWay] Task Posted(Announcement announcement);
}

/// <summary>The center's announcements, newest first; screens subscribe instead of polling.</summary>
[Alias("agents.announcement-board")]
public interface IAnnouncementBoardGrain : IGrainWithStringKey
{
    public const string Key = "announcements:center";
    public const int Keep = 50;

    /// <summary>Posts a message; blank or longer than <see cref="Announcement.MaxLength"/> is refused and nothing is posted.</summary>
    [Alias("post")] Task<Announcement> Post(string from, string text, string? queueId);
    [Alias("recent")] Task<IReadOnlyList<Announcement>> Recent();
    /// <summary>Subscribes (or renews for two minutes) and returns the recent announcements.</summary>
    [Alias("subscribe")] Task<IReadOnlyList<Announcement>> Subscribe(IAnnouncementObserver observer);
    [Alias("unsubscribe")] Task Unsubscribe(IAnnouncementObserver observer);
}
