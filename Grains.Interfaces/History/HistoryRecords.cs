using CallCenter.Agents;

namespace CallCenter.History;

/// <summary>
/// One closed interval an agent spent in one state, written when the agent leaves the state.
/// Its identity is (AgentId, StartedAt): writing it twice changes nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("history.agent-interval")]
public sealed record AgentStateInterval(
    [property: Id(0)] string AgentId,
    [property: Id(1)] AgentState State,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset EndedAt,
    [property: Id(4)] string? Reason,
    [property: Id(5)] string? CallId);

public enum QueueEventKind
{
    Entered,
    Offered,
    OfferFailed,
    Answered,
    Overflowed,
    Abandoned,
    TimedOut,
    Withdrawn,
}

/// <summary>
/// Something that happened to a call in a queue. Its identity is (QueueId, CallId, Sequence): the
/// queue numbers its events from a counter that starts at the activation's start time in ticks,
/// so numbers never repeat across activations and a repeated write of one event changes nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("history.queue-event")]
public sealed record QueueEvent(
    [property: Id(0)] string QueueId,
    [property: Id(1)] string CallId,
    [property: Id(2)] long Sequence,
    [property: Id(3)] QueueEventKind Kind,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? AgentId,
    [property: Id(6)] string? Detail);
