using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.LoadTests.Randomness;

namespace CallCenter.LoadTests.Scenarios;

/// <summary>A load scenario as read from its JSON file; all times in scenario seconds.</summary>
public sealed record Scenario
{
    public string? Name { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>How many scenario seconds pass per wall second.</summary>
    public double Speed { get; init; } = 1;
    /// <summary>Calls arrive during [0, DurationSeconds).</summary>
    public required double DurationSeconds { get; init; }
    /// <summary>How long a virtual agent that let a call ring out stays not-ready before it makes itself ready again.</summary>
    public double NotReadyRecoverySeconds { get; init; } = 5;
    /// <summary>Scenario time allowed after the last arrival for calls in progress to end; null = estimated.</summary>
    public double? DrainSeconds { get; init; }
    /// <summary>What the scaled clock reads at the start; null = today 08:00 UTC.</summary>
    public DateTimeOffset? StartAt { get; init; }
    public ImmutableArray<QueueSpec> Queues { get; init; } = [];
    public ImmutableArray<AgentGroupSpec> Agents { get; init; } = [];
    public ImmutableArray<RouteSpec> Routing { get; init; } = [];
    public ImmutableArray<ArrivalSpec> Arrivals { get; init; } = [];
}

public sealed record QueueSpec
{
    public required string Id { get; init; }
    public string Name { get; init; } = "";
    public string? Region { get; init; }
    public RoutingStrategy Strategy { get; init; } = RoutingStrategy.LongestIdle;
    public double ServiceLevelSeconds { get; init; } = 20;
    public double RingTimeoutSeconds { get; init; } = 15;
    public double WrapUpSeconds { get; init; }
    public double? MaxWaitSeconds { get; init; }
    public MaxWaitAction MaxWaitAction { get; init; } = MaxWaitAction.Voicemail;
    public string? MaxWaitTarget { get; init; }
    public ImmutableArray<OverflowSpec> Overflow { get; init; } = [];
    public ImmutableArray<RelaxationSpec> Relaxation { get; init; } = [];
    public int? BaseLevel { get; init; }
    public int? RingAllLimit { get; init; }
}

public sealed record OverflowSpec(OverflowCondition When, double AfterSeconds, string To);

public sealed record RelaxationSpec(
    double AfterSeconds,
    int? MaxLevel,
    int ProficiencyReduction,
    ImmutableArray<string> DropSkills);

/// <summary>A group of identical virtual agents: ids are IdPrefix + a zero-padded number.</summary>
public sealed record AgentGroupSpec
{
    public required int Count { get; init; }
    public string IdPrefix { get; init; } = "a";
    public string Name { get; init; } = "";
    /// <summary>Queue id → membership level (1 = primary).</summary>
    public required ImmutableDictionary<string, int> Queues { get; init; }
    public ImmutableDictionary<string, int> Skills { get; init; } = ImmutableDictionary<string, int>.Empty;
    public string? Region { get; init; }
    public Distribution AnswerDelaySeconds { get; init; } = Distribution.Constant(0);
    /// <summary>Chance that the agent answers a ringing phone at all; otherwise the offer rings out.</summary>
    public double AnswerProbability { get; init; } = 1;
    public bool LoginReady { get; init; } = true;
}

public enum RouteKind
{
    /// <summary>A caller number prefix belongs to a region.</summary>
    Prefix,
    /// <summary>A service (for a region, or for everyone) goes to a queue.</summary>
    Service,
    /// <summary>An account belongs to a region.</summary>
    Account,
}

public sealed record RouteSpec(RouteKind Kind, string Key, string? Region, string? Queue)
{
    public static RouteSpec ForPrefix(string prefix, string region) => new(RouteKind.Prefix, prefix, region, null);
    public static RouteSpec ForService(string service, string? region, string queue) => new(RouteKind.Service, service, region, queue);
    public static RouteSpec ForAccount(string account, string region) => new(RouteKind.Account, account, region, null);
}

public enum ArrivalProcess
{
    /// <summary>Exponential inter-arrival times.</summary>
    Poisson,
    /// <summary>Evenly spaced arrivals.</summary>
    Uniform,
}

/// <summary>Multiplies a stream's rate during [FromSeconds, ToSeconds).</summary>
public sealed record RateSegment(double FromSeconds, double ToSeconds, double Multiplier);

public sealed record ArrivalSpec
{
    /// <summary>The queue the stream is meant for; results fall back to it for calls that never entered one.</summary>
    public required string Queue { get; init; }
    /// <summary>The service dialled; routed by the table, or to the queue of the same id.</summary>
    public required string Service { get; init; }
    public string? Account { get; init; }
    public required double RatePerSecond { get; init; }
    public ArrivalProcess Process { get; init; } = ArrivalProcess.Poisson;
    public required Distribution HandleSeconds { get; init; }
    public Distribution PatienceSeconds { get; init; } = Distribution.None;
    public int Priority { get; init; }
    public string CallerPrefix { get; init; } = "";
    public ImmutableDictionary<string, int> Skills { get; init; } = ImmutableDictionary<string, int>.Empty;
    public ImmutableArray<RateSegment> Profile { get; init; } = [];

    /// <summary>The rate multiplier in force at scenario second <paramref name="t"/> (1 outside every segment).</summary>
    public double MultiplierAt(double t)
    {
        foreach (var segment in Profile)
        {
            if (t >= segment.FromSeconds && t < segment.ToSeconds)
            {
                return segment.Multiplier;
            }
        }
        return 1;
    }
}
