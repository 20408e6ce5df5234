using CallCenter.Calls;

namespace CallCenter.Acd;

/// <summary>A message the queue grain must send after a decision of <see cref="QueueCore"/> (all one-way).</summary>
public abstract record QueueEffect
{
    private QueueEffect() { }

    public sealed record ReserveAgent(Offer Offer) : QueueEffect;
    public sealed record CancelOffer(string AgentId, string CallId, long OfferId) : QueueEffect;
    public sealed record CallOffered(string CallId, string AgentId, DateTimeOffset At) : QueueEffect;
    public sealed record OverflowCall(string CallId, string TargetQueue, string Reason) : QueueEffect;
    public sealed record EndCall(string CallId, CallOutcome Outcome, string Reason) : QueueEffect;
}
