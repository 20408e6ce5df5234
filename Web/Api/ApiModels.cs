using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Stats;

namespace CallCenter.Web.Api;

/// <summary>A call as the REST API shows it (times in UTC, durations in seconds).</summary>
public sealed record CallView(
    string CallId,
    CallState State,
    string? QueueId,
    string? AgentId,
    CallOutcome? Outcome)
{
    public static CallView From(CallSnapshot call) => new(call.CallId, call.State, call.QueueId, call.AgentId, call.Outcome);
}

/// <summary>One agent: presence, current call and memberships.</summary>
public sealed record AgentView(
    string AgentId,
    string? Name,
    string? Region,
    string? Team,
    AgentState State,
    DateTimeOffset Since,
    string? ReasonCode,
    string? CallId,
    ImmutableDictionary<string, int> Queues,
    int CallsToday)
{
    public static AgentView From(AgentSnapshot agent) => new(
        agent.AgentId,
        agent.Profile?.Name,
        agent.Profile?.Region,
        agent.Profile?.Team,
        agent.State,
        agent.Since,
        agent.ReasonCode,
        agent.CallId,
        agent.Profile?.Queues ?? ImmutableDictionary<string, int>.Empty,
        agent.Counters.Calls);
}

/// <summary>A queue's settings (durations in seconds) and its live figures, when the center has reported them.</summary>
public sealed record QueueView(
    string QueueId,
    string Name,
    string? Region,
    RoutingStrategy Strategy,
    double ServiceLevelThresholdSeconds,
    double RingTimeoutSeconds,
    double WrapUpSeconds,
    string? OverflowTarget,
    double? OverflowAfterSeconds,
    QueueStatistics? Live)
{
    public static QueueView From(QueueSettings settings, QueueStatistics? live)
    {
        var overflow = settings.Overflow.FirstOrDefault(r => r.Condition == OverflowCondition.WaitExceeded);
        return new(settings.Id, settings.Name, settings.Region, settings.Strategy,
            settings.ServiceLevelThreshold.TotalSeconds, settings.RingTimeout.TotalSeconds, settings.WrapUp.TotalSeconds,
            overflow?.TargetQueue, overflow?.After.TotalSeconds, live);
    }
}

/// <summary>
/// A change of a queue's live settings: fields left out keep their value. <see cref="OverflowTarget"/>
/// "" removes the wait-exceeded overflow rule. The strategy is a name (<see cref="RoutingStrategy"/>).
/// </summary>
public sealed record QueueSettingsChange(
    string? Strategy = null,
    double? ServiceLevelThresholdSeconds = null,
    double? RingTimeoutSeconds = null,
    double? WrapUpSeconds = null,
    string? OverflowTarget = null,
    double? OverflowAfterSeconds = null);

/// <summary>Why a supervisor forces an agent not-ready; "supervisor" when left out.</summary>
public sealed record NotReadyCommand(string? Reason = null);

/// <summary>Adds an agent to a queue, or changes its level there (1 = primary).</summary>
public sealed record QueueMembershipChange(int Level = 1);

/// <summary>
/// The live calls the center knows of right now: those at agents (ringing, talking, on hold), how
/// many wait in each queue, and the waiting calls themselves in each queue's offer order (at most
/// <see cref="WaitingListedPerQueue"/> per queue; <see cref="WaitingByQueue"/> always has the full count).
/// </summary>
public sealed record LiveCalls(
    ImmutableArray<CallView> AtAgents,
    ImmutableDictionary<string, int> WaitingByQueue,
    ImmutableArray<CallCenter.Stats.WaitingCall> Waiting)
{
    public const int WaitingListedPerQueue = 200;
}
