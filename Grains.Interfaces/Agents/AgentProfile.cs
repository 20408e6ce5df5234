using System.Collections.Immutable;

namespace CallCenter.Agents;

/// <summary>Agent presence (ACD-4).</summary>
public enum AgentState
{
    LoggedOut,
    Ready,
    /// <summary>Reserved for an offered call; the phone is ringing.</summary>
    Reserved,
    OnCall,
    OnHold,
    WrapUp,
    NotReady,
}

[GenerateSerializer, Immutable, Alias("agents.profile")]
public sealed record AgentProfile
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public string Name { get; init; } = "";
    /// <summary>Home site / region, for statistics and regional routing.</summary>
    [Id(2)] public string? Region { get; init; }
    /// <summary>Skill name -> proficiency 1 (basic) .. 5 (expert).</summary>
    [Id(3)] public ImmutableDictionary<string, int> Skills { get; init; } = ImmutableDictionary<string, int>.Empty;
    /// <summary>Queue id -> membership level, 1 = primary; higher levels are offered calls later.</summary>
    [Id(4)] public ImmutableDictionary<string, int> Queues { get; init; } = ImmutableDictionary<string, int>.Empty;
    /// <summary>The team the agent works in (the console filters by it); null when the agent has none.</summary>
    [Id(5)] public string? Team { get; init; }
}

/// <summary>Today's counters for an agent (ACD-4).</summary>
[GenerateSerializer, Immutable, Alias("agents.counters")]
public sealed record AgentCounters(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] int Calls,
    [property: Id(2)] TimeSpan TalkTime,
    [property: Id(3)] TimeSpan HoldTime,
    [property: Id(4)] TimeSpan WrapUpTime,
    [property: Id(5)] TimeSpan NotReadyTime,
    [property: Id(6)] TimeSpan LoginTime,
    [property: Id(7)] int RingNoAnswers)
{
    public static AgentCounters For(DateOnly day) => new(day, 0, default, default, default, default, default, 0);
}

[GenerateSerializer, Immutable, Alias("agents.snapshot")]
public sealed record AgentSnapshot(
    [property: Id(0)] string AgentId,
    [property: Id(1)] AgentState State,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] string? ReasonCode,
    [property: Id(4)] string? CallId,
    [property: Id(5)] string? QueueId,
    [property: Id(6)] AgentCounters Counters,
    [property: Id(7)] AgentProfile? Profile);
