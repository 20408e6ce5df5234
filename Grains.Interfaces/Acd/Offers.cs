using System.Collections.Immutable;

namespace CallCenter.Acd;

/// <summary>What a queue knows of a waiting call; the ordering key is (priority desc, first arrival asc).</summary>
[GenerateSerializer, Immutable, Alias("acd.queued-call")]
public sealed record QueuedCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] int Priority,
    [property: Id(2)] DateTimeOffset FirstArrival,
    [property: Id(3)] ImmutableDictionary<string, int> RequiredSkills,
    [property: Id(4)] string CallerNumber,
    [property: Id(5)] string? CallerRegion,
    [property: Id(6)] long Sequence);

public enum EnqueueStatus
{
    /// <summary>Offered to an agent at once.</summary>
    Offered,
    Waiting,
    /// <summary>An overflow rule sent the call on at once (no agents logged in, all busy).</summary>
    Overflowed,
    /// <summary>The queue cannot take the call: it is not configured. (A call to a queue with nobody logged
    /// in waits, bounded by the queue's maximum wait, unless a no-agents overflow rule sends it on.)</summary>
    Rejected,
}

[GenerateSerializer, Immutable, Alias("acd.enqueue-result")]
public sealed record EnqueueResult(
    [property: Id(0)] EnqueueStatus Status,
    [property: Id(1)] string? OverflowTarget = null,
    [property: Id(2)] string? Reason = null);

/// <summary>A reservation of one agent for one call, owned by the queue that made it.</summary>
[GenerateSerializer, Immutable, Alias("acd.offer")]
public sealed record Offer(
    [property: Id(0)] string CallId,
    [property: Id(1)] string QueueId,
    [property: Id(2)] string AgentId,
    [property: Id(3)] long OfferId,
    [property: Id(4)] DateTimeOffset OfferedAt,
    [property: Id(5)] TimeSpan RingTimeout,
    [property: Id(6)] TimeSpan WrapUp,
    [property: Id(7)] string CallerNumber,
    [property: Id(8)] int Priority,
    /// <summary>True when the call was offered as it entered the queue (a routing decision, not a wait).</summary>
    [property: Id(9)] bool OfferedOnEntry,
    [property: Id(10)] bool RingAll);

/// <summary>What a queue needs to rank and match a ready agent; sent whenever the agent offers itself.</summary>
[GenerateSerializer, Immutable, Alias("acd.agent-availability")]
public sealed record AgentAvailability(
    [property: Id(0)] string AgentId,
    [property: Id(1)] long Epoch,
    [property: Id(2)] DateTimeOffset IdleSince,
    [property: Id(3)] int CallsToday,
    [property: Id(4)] TimeSpan TalkTimeToday,
    [property: Id(5)] ImmutableDictionary<string, int> Skills,
    [property: Id(6)] int MembershipLevel);

/// <summary>The best call a queue would give an agent, for the agent to compare across its queues.</summary>
[GenerateSerializer, Immutable, Alias("acd.offer-candidate")]
public sealed record OfferCandidate(
    [property: Id(0)] string QueueId,
    [property: Id(1)] string CallId,
    [property: Id(2)] int Priority,
    [property: Id(3)] DateTimeOffset FirstArrival,
    [property: Id(4)] int MembershipLevel);

public enum OfferFailure
{
    RingNoAnswer,
    Declined,
    AgentUnavailable,
}

/// <summary>Handling figures an agent reports to the queue when its after-call work ends (AHT).</summary>
[GenerateSerializer, Immutable, Alias("acd.handled-call")]
public sealed record HandledCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] string AgentId,
    [property: Id(2)] TimeSpan Talk,
    [property: Id(3)] TimeSpan Hold,
    [property: Id(4)] TimeSpan WrapUp);

[GenerateSerializer, Immutable, Alias("acd.agent-membership")]
public sealed record AgentMembership(
    [property: Id(0)] string AgentId,
    [property: Id(1)] int Level,
    [property: Id(2)] ImmutableDictionary<string, int> Skills,
    [property: Id(3)] string? Region);
