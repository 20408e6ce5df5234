using CallCenter.Calls;
using CallCenter.Stats;

namespace CallCenter.Acd;

/// <summary>
/// One queue (ACD-1): waiting calls ordered by (priority, first arrival) and an index of ready,
/// eligible member agents. A queue never awaits another grain: its messages to agents and calls
/// are one-way, so agents and calls may await it without deadlock (see docs/acd-design.md).
/// </summary>
[Alias("acd.queue")]
public interface IQueueGrain : IGrainWithStringKey
{
    [Alias("configure")] Task Configure(QueueSettings settings);
    [Alias("settings")] Task<QueueSettings?> GetSettings();

    [Alias("enqueue")] Task<EnqueueResult> Enqueue(QueuedCall call);
    /// <summary>The caller left (abandon, callback, voicemail): remove the call and withdraw its offers.</summary>
    [Alias("withdraw"), OneWay] Task Withdraw(string callId, CallOutcome reason);
    /// <summary>The call grain accepted an agent's answer: the call leaves the queue.</summary>
    [Alias("answered"), OneWay] Task CallAnswered(string callId, string agentId, DateTimeOffset at);

    /// <summary>A newly available agent that belongs to this queue only asks for its best call.</summary>
    [Alias("claim-best")] Task<Offer?> ClaimBest(AgentAvailability agent);
    /// <summary>A newly available agent of several queues asks each for its best candidate...</summary>
    [Alias("peek")] Task<OfferCandidate?> Peek(AgentAvailability agent);
    /// <summary>... and claims the one it chose by the documented cross-queue rule.</summary>
    [Alias("claim")] Task<Offer?> Claim(AgentAvailability agent, string callId);
    /// <summary>The agent is ready and took nothing: index it as available.</summary>
    [Alias("agent-ready"), OneWay] Task AgentReady(AgentAvailability agent);
    [Alias("agent-unavailable"), OneWay] Task AgentUnavailable(string agentId, long epoch);
    /// <summary>The agent's reply to a one-way reservation request.</summary>
    [Alias("reservation-result"), OneWay] Task ReservationResult(Offer offer, bool accepted, long agentEpoch);
    /// <summary>The agent gave the offer up (ring-no-answer, decline); <paramref name="agentEpoch"/> dates the news.</summary>
    [Alias("offer-failed"), OneWay] Task OfferFailed(string callId, string agentId, long offerId, OfferFailure reason, long agentEpoch);
    [Alias("handled"), OneWay] Task CallHandled(HandledCall handled);

    [Alias("join")] Task Join(AgentMembership member);
    [Alias("leave")] Task Leave(string agentId);

    [Alias("statistics")] Task<QueueStatistics> GetStatistics();
    /// <summary>Where a waiting call stands, for the caller's announcement (ACD-6); null when the call is not waiting here.</summary>
    [Alias("position"), AlwaysInterleave] Task<QueuePosition?> GetPosition(string callId);
    /// <summary>The calls waiting here, in the order they will be offered, at most <paramref name="limit"/> (1..1000); read-only.</summary>
    [Alias("waiting-calls"), AlwaysInterleave] Task<IReadOnlyList<WaitingCall>> GetWaitingCalls(int limit);
}
