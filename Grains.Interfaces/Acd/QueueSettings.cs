using System.Collections.Immutable;

namespace CallCenter.Acd;

/// <summary>How a queue picks among several ready, eligible agents (ACD-1).</summary>
public enum RoutingStrategy
{
    LongestIdle,
    FewestCalls,
    LeastTalkTime,
    RoundRobin,
    RingAll,
    Random,
    BestSkillMatch,
}

/// <summary>When an overflow rule moves a waiting call to another queue (ACD-3).</summary>
public enum OverflowCondition
{
    /// <summary>The call has waited in this queue for <see cref="OverflowRule.After"/>.</summary>
    WaitExceeded,
    /// <summary>No agent eligible for the call is logged in to this queue.</summary>
    NoAgentsLoggedIn,
    /// <summary>On arrival, no eligible agent is ready (every eligible agent is busy or absent).</summary>
    AllBusy,
}

[GenerateSerializer, Immutable, Alias("acd.overflow-rule")]
public sealed record OverflowRule(
    [property: Id(0)] OverflowCondition Condition,
    [property: Id(1)] TimeSpan After,
    [property: Id(2)] string TargetQueue);

/// <summary>What happens to a call that reaches the queue's maximum wait (ACD-6).</summary>
public enum MaxWaitAction
{
    Overflow,
    Voicemail,
    Callback,
    Disconnect,
}

/// <summary>
/// A time-based relaxation step (ACD-2): once a call has waited <see cref="After"/>, agents up
/// to <see cref="MaxMembershipLevel"/> qualify, required proficiencies drop by
/// <see cref="ProficiencyReduction"/> and the skills in <see cref="DroppedSkills"/> stop being required.
/// Steps are read when a decision is made, so changing them affects calls already waiting.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.relaxation-step")]
public sealed record RelaxationStep(
    [property: Id(0)] TimeSpan After,
    [property: Id(1)] int? MaxMembershipLevel = null,
    [property: Id(2)] int ProficiencyReduction = 0,
    [property: Id(3)] ImmutableArray<string> DroppedSkills = default);

[GenerateSerializer, Immutable, Alias("acd.queue-settings")]
public sealed record QueueSettings
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public string Name { get; init; } = "";
    /// <summary>The region whose statistics this queue counts in; null for a common (national) group.</summary>
    [Id(2)] public string? Region { get; init; }
    [Id(3)] public RoutingStrategy Strategy { get; init; } = RoutingStrategy.LongestIdle;
    [Id(4)] public TimeSpan ServiceLevelThreshold { get; init; } = TimeSpan.FromSeconds(20);
    [Id(5)] public TimeSpan RingTimeout { get; init; } = TimeSpan.FromSeconds(15);
    [Id(6)] public TimeSpan WrapUp { get; init; } = TimeSpan.Zero;
    [Id(7)] public TimeSpan? MaxWait { get; init; }
    [Id(8)] public MaxWaitAction MaxWaitAction { get; init; } = MaxWaitAction.Voicemail;
    [Id(9)] public string? MaxWaitTarget { get; init; }
    [Id(10)] public ImmutableArray<OverflowRule> Overflow { get; init; } = [];
    [Id(11)] public ImmutableArray<RelaxationStep> Relaxation { get; init; } = [];
    /// <summary>Lowest membership level offered calls before any relaxation (1 = primary agents only).</summary>
    [Id(12)] public int BaseMembershipLevel { get; init; } = int.MaxValue;
    /// <summary>Ring-all offers to at most this many agents at once.</summary>
    [Id(13)] public int RingAllLimit { get; init; } = 20;
}
