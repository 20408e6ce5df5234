using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallCenter.LoadTests.Results;

/// <summary>The result file of one run. Times are scenario seconds unless the name says wall or ms.</summary>
public sealed record SimulationResult
{
    public string? Scenario { get; init; }
    public string? ScenarioName { get; init; }
    /// <summary>"in-process" (a silo in this process) or "join" (a client of a running cluster).</summary>
    public required string Mode { get; init; }
    /// <summary>Where records were counted: "observer+sink" in-process, "observer" when joined.</summary>
    public required string CdrSource { get; init; }
    public int Seed { get; init; }
    public double Speed { get; init; }
    public double RateMultiplier { get; init; } = 1;
    public int Agents { get; init; }
    public double WallSeconds { get; init; }
    public double ScenarioSeconds { get; init; }
    /// <summary>Calls that reached an outcome, per wall second of the whole run (arrivals and drain).</summary>
    public double CallsPerWallSecond { get; init; }
    public long Offered { get; init; }
    public long Answered { get; init; }
    public long Abandoned { get; init; }
    public long Overflowed { get; init; }
    public required SortedDictionary<string, long> OtherOutcomes { get; init; }
    public long Lost { get; init; }
    /// <summary>Calls refused at the door by admission control (call gapping): counted in offered, never entered, not lost.</summary>
    public long Refused { get; init; }
    /// <summary>Database operations of the in-process silo on PostgreSQL (null on memory or when joined).</summary>
    public StorageFigures? Storage { get; init; }
    public long InvariantViolations { get; init; }
    public required IReadOnlyList<string> InvariantDetails { get; init; }
    public long CdrRecords { get; init; }
    public long SinkRecords { get; init; }
    public long DuplicateCdrs { get; init; }
    public required LatencySummary DecisionLatencyMs { get; init; }
    public required AgentActivity AgentActivity { get; init; }
    /// <summary>Agents by state once the run is over, before they log out.</summary>
    public required Dictionary<string, int> AgentsAtEnd { get; init; }
    /// <summary>Times a virtual agent found itself not-ready and made itself ready, by the reason the grain gave.</summary>
    public required SortedDictionary<string, int> NotReadyRecoveries { get; init; }
    public required SchedulerFigures Scheduler { get; init; }
    public ArrivalPhase? ArrivalPhase { get; init; }
    /// <summary>Collections and pause time in this process (silo and simulator) during the run: stalls show up as lateness.</summary>
    public GcFigures? GarbageCollection { get; init; }
    public long GrainCallErrors { get; init; }
    public required IReadOnlyList<string> GrainCallErrorDetails { get; init; }
    public required string FinishReason { get; init; }
    public required SortedDictionary<string, QueueResult> Queues { get; init; }
    /// <summary>Length of the reporting intervals (scenario seconds): half hours for a day, else about 30 of a run.</summary>
    public double IntervalSeconds { get; init; }
    /// <summary>Offered, answered, abandoned, service level, ASA and occupancy per interval of arrival.</summary>
    public IReadOnlyList<IntervalFigures> Intervals { get; init; } = [];
    /// <summary>Answered calls by wait, over the whole run.</summary>
    public IReadOnlyList<WaitBucket> WaitDistribution { get; init; } = [];
    /// <summary>Bytes allocated in this process (silo and simulator) from the first arrival to the end of the drain.</summary>
    public long AllocatedBytes { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

public sealed record QueueResult
{
    public string? Name { get; init; }
    public string? Region { get; init; }
    public double ServiceLevelSeconds { get; init; }
    public long Offered { get; init; }
    public long Answered { get; init; }
    public long Abandoned { get; init; }
    public long AbandonedAfterThreshold { get; init; }
    public long Overflowed { get; init; }
    public long OtherOutcomes { get; init; }
    public long Lost { get; init; }
    /// <summary>Calls refused at the door by admission control.</summary>
    public long Refused { get; init; }
    public long AnsweredWithinServiceLevel { get; init; }
    /// <summary>Answered within the threshold / (answered + abandoned after it); 1 when nothing counts (as PeriodCounters).</summary>
    public double ServiceLevel { get; init; }
    public double AsaSeconds { get; init; }
    /// <summary>Talk + hold of answered calls, plus the answering queue's wrap-up.</summary>
    public double AhtSeconds { get; init; }
    /// <summary>Waits of answered calls.</summary>
    public required WaitPercentiles WaitSeconds { get; init; }
    /// <summary>Erlang C figures for this queue, when it is a plain M/M/n queue.</summary>
    public ErlangCFigures? ErlangC { get; init; }
    /// <summary>Erlang A figures for this queue, when it is a plain M/M/n+M queue (exponential patience).</summary>
    public ErlangAFigures? ErlangA { get; init; }
    /// <summary>
    /// The queue grain's own counters for today, for comparison. They count every call that
    /// entered this queue (overflows in included), not only calls that entered here first.
    /// </summary>
    public GrainQueueFigures? GrainToday { get; init; }
}

public sealed record GrainQueueFigures(
    int Offered, int Answered, int Abandoned, int OverflowedOut, int OtherOutcomes, double ServiceLevel, double AsaSeconds, double AhtSeconds)
{
    public static GrainQueueFigures From(CallCenter.Stats.PeriodCounters c) => new(
        c.Offered, c.Answered, c.Abandoned, c.OverflowedOut, c.OtherOutcomes,
        c.ServiceLevel, c.AverageSpeedOfAnswerSeconds, c.AverageHandleTimeSeconds);
}

public sealed record WaitPercentiles(double P50, double P90, double P99, double Max);

public sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max, double Mean, long Samples);

public sealed record AgentActivity(
    long Rings,
    long RingsOnEntry,
    long AnswersIssued,
    long AnswersAccepted,
    long AnswersRefused,
    long RingsLeftUnanswered,
    long RecoveredFromNotReady,
    long OffersWithdrawn,
    long CallerHangups,
    long PatienceHangups,
    /// <summary>Calls still in progress when the drain limit cut the run off, hung up before logging out.</summary>
    long CleanupHangups,
    long LogoutErrors);

public sealed record SchedulerFigures(long Actions, double ActionsPerWallSecond, LatencySummary LatenessMs, long HandlerFaults);

public sealed record ErlangCFigures(
    int Agents,
    double ArrivalRatePerSecond,
    double MeanHandleSeconds,
    double OfferedLoadErlangs,
    double ProbabilityOfWaiting,
    double ServiceLevel,
    double AsaSeconds,
    /// <summary>This run's own arrivals and talk times replayed through an ideal first-come-first-served queue.</summary>
    IdealReplay IdealReplay);

public sealed record ErlangAFigures(
    int Agents,
    double ArrivalRatePerSecond,
    double MeanHandleSeconds,
    double MeanPatienceSeconds,
    double OfferedLoadErlangs,
    double ProbabilityOfWaiting,
    double AbandonProbability,
    double ServiceLevel,
    double AsaSeconds);

/// <summary>Service level and ASA of an ideal queue (no latency, FIFO) fed the run's own calls.</summary>
public sealed record IdealReplay(double ServiceLevel, double AsaSeconds);

/// <summary>The part of the run while calls arrived: its wall time, calls started and ended, and both rates.</summary>
public sealed record ArrivalPhase(double WallSeconds, long Offered, long Ended, double OfferedPerWallSecond, double EndedPerWallSecond)
{
    /// <summary>Grain calls the in-process silo received in this phase (null when joined).</summary>
    public long? GrainCalls { get; init; }
    public double? GrainCallsPerWallSecond { get; init; }
}

/// <summary>Garbage collections by generation and total pause time, as a difference between two moments.</summary>
public readonly record struct GcFigures(int Gen0, int Gen1, int Gen2, double PauseMs)
{
    public static GcFigures Now() => new(
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

    public static GcFigures operator -(GcFigures a, GcFigures b) =>
        new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, Math.Round(a.PauseMs - b.PauseMs, 1));
}

/// <summary>
/// What the run cost the database through the silo's storage gate: grain state reads, writes and
/// clears, call-record look-ups, their total per admitted call, the gate's size and longest backlog.
/// </summary>
public sealed record StorageFigures(long Reads, long Writes, long Clears, long Lookups, double OperationsPerCall, int GateCapacity, int PeakBacklog);
