using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallCenter.LoadTests.Failover;

/// <summary>RESULT.json of a failover run. The first six figures are the contract; the rest explain them.</summary>
public sealed record FailoverResult
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Calls whose Start was accepted.</summary>
    public long Offered { get; init; }
    /// <summary>Calls that entered and reached exactly one terminal outcome.</summary>
    public long Completed { get; init; }
    /// <summary>Rows in call_detail_records for the run's calls.</summary>
    public long CdrRows { get; init; }
    public long Lost { get; init; }
    public long Duplicated { get; init; }
    /// <summary>Seconds from the kill until every agent agreed with its phone (null: no kill, or never within the run).</summary>
    public double? RecoverySeconds { get; init; }

    public bool Passed { get; init; }
    public IReadOnlyList<string> Failures { get; init; } = [];

    public long Placed { get; init; }
    public long Rejected { get; init; }
    public long StartUnconfirmed { get; init; }
    public long StartFailed { get; init; }
    public long StartRetried { get; init; }
    public long Abandoned { get; init; }
    public IReadOnlyDictionary<string, int> Outcomes { get; init; } = new Dictionary<string, int>();
    /// <summary>Calls whose end the driver learnt only from a keep-alive (the CallEnded notice was lost).</summary>
    public long EndedWithoutNotification { get; init; }
    public long RepeatedNotifications { get; init; }
    /// <summary>Calls still live when the drain gave up.</summary>
    public long LiveAtEnd { get; init; }

    public required FailoverSettings Settings { get; init; }
    public KilledSilo? KilledSilo { get; init; }
    public PgOutage? PgOutage { get; init; }
    public double? PgOutageSeconds => PgOutage?.DownSeconds;
    public RecoveryReport? Recovery { get; init; }
    public IReadOnlyList<PhaseReport> Phases { get; init; } = [];
    public IReadOnlyList<ProgressSample> Timeline { get; init; } = [];
    public LatencyReport? LatencyMs { get; init; }
    public required DriverCounters Driver { get; init; }
    public long Errors { get; init; }
    public IReadOnlyDictionary<string, long> ErrorsByKind { get; init; } = new Dictionary<string, long>();
    public required Durations Durations { get; init; }
    public int ProblemCount { get; init; }
    /// <summary>The first problems (lost or duplicated calls) with what was seen of each.</summary>
    public IReadOnlyList<CallProblem> Problems { get; init; } = [];
    public string? WorkDirectory { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void WriteSummary(TextWriter writer)
    {
        var s = Settings;
        var disruption = new List<string>();
        if (KilledSilo is { } killed)
        {
            disruption.Add($"silo {killed.Index} killed at {F(killed.AtSeconds)} s");
        }
        if (PgOutage is { } outage)
        {
            disruption.Add($"PostgreSQL down {F(outage.DownSeconds)} s from {F(outage.AtSeconds)} s");
        }
        writer.WriteLine($"failover: {s.Silos} silos, {F(s.Rate)} calls/s for {s.Seconds} s, {s.Agents} agents in {s.Queues} queues; {(disruption.Count == 0 ? "no disruption" : string.Join(", ", disruption))}");
        writer.WriteLine($"  offered {Offered}  completed {Completed}  cdrRows {CdrRows}  lost {Lost}  duplicated {Duplicated}");
        writer.WriteLine($"  placed {Placed}  rejected {Rejected}  abandoned {Abandoned}  start retries {StartRetried}  ended without notice {EndedWithoutNotification}  errors {Errors}");
        if (Recovery is { } r)
        {
            var last = r.Samples.Count > 0 ? r.Samples[^1] : null;
            var stuck = last is null ? "?" : $"{last.Inconsistent} inconsistent, {last.Unreachable} unreachable, {last.Unknown} unchecked at the end";
            var recovered = r.Seconds is { } seconds ? $"recovered {F(seconds)} s after the {r.From}" : $"did not all recover after the {r.From} ({stuck})";
            writer.WriteLine($"  agents {recovered} (limit {r.LimitSeconds} s); worst {r.WorstInconsistentAgents} inconsistent/unreachable at {F(r.WorstAtSeconds)} s");
        }
        if (LatencyMs is { } l)
        {
            writer.WriteLine($"  latency ms p50/p99/max: start {l.Start.P50:0}/{l.Start.P99:0}/{l.Start.Max:0}  answer {l.Answer.P50:0}/{l.Answer.P99:0}/{l.Answer.Max:0}  keep-alive {l.KeepAlive.P50:0}/{l.KeepAlive.P99:0}/{l.KeepAlive.Max:0}  heartbeat {l.Heartbeat.P50:0}/{l.Heartbeat.P99:0}/{l.Heartbeat.Max:0}");
        }
        if (KilledSilo is { } k)
        {
            writer.WriteLine($"  on the killed silo{(k.SurveyComplete ? "" : " (survey cut short)")}: {k.Agents} agents, {k.Calls} live calls, queues [{string.Join(", ", k.Queues)}]{(k.RoutingTable ? ", the routing table" : "")}; declared dead after {(k.DeclaredDeadAfterSeconds is { } d ? $"{F(d)} s" : "?")}");
        }
        foreach (var phase in Phases)
        {
            writer.WriteLine($"  {phase.Name,-14} {F(phase.FromSeconds),7}-{F(phase.ToSeconds),-7} s  placed {phase.PlacedPerSecond,8:0.0}/s  ended {phase.EndedPerSecond,8:0.0}/s  errors {phase.Errors}");
        }
        foreach (var problem in Problems.Take(10))
        {
            writer.WriteLine($"  problem: {problem.CallId} {problem.Kind}: {problem.Detail}");
        }
        writer.WriteLine(Passed ? "  PASSED" : $"  FAILED: {string.Join("; ", Failures)}");
        if (WorkDirectory is not null)
        {
            writer.WriteLine($"  logs: {WorkDirectory}");
        }
    }

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}

public sealed record FailoverSettings(
    int Silos,
    double Rate,
    int Seconds,
    int? KillAfter,
    int? KillSilo,
    int? PgOutage,
    int? OutageAfter,
    int Agents,
    int Queues,
    double TalkSeconds,
    double PatienceSeconds,
    int DrainSeconds,
    int RecoveryLimitSeconds,
    string Arguments);

public sealed record KilledSilo
{
    public int Index { get; init; }
    public int Pid { get; init; }
    public int SiloPort { get; init; }
    public int GatewayPort { get; init; }
    public double AtSeconds { get; init; }
    /// <summary>When the cluster's membership marked the silo dead, from the kill.</summary>
    public double? DeclaredDeadAfterSeconds { get; init; }
    public int Agents { get; init; }
    public int Calls { get; init; }
    public IReadOnlyList<string> Queues { get; init; } = [];
    public bool RoutingTable { get; init; }
    /// <summary>False when the survey of what lived on the silo was cut short at the kill time (the counts are then lower bounds).</summary>
    public bool SurveyComplete { get; init; }
    /// <summary>When the last of the agents that lived on the killed silo agreed with its phone, from the kill.</summary>
    public double? AgentsRecoverySeconds { get; init; }
    [JsonIgnore] public IReadOnlyList<string> AgentIds { get; init; } = [];
}

/// <summary>
/// The PostgreSQL outage: asked to stop at <see cref="RequestedAtSeconds"/>, stopped (pg.sh stop
/// returned) at <see cref="AtSeconds"/>, started again (pg.sh start returned) <see cref="DownSeconds"/> later.
/// </summary>
public sealed record PgOutage(double RequestedAtSeconds, double AtSeconds, double DownSeconds, double RestartedAtSeconds);

public sealed record RecoveryReport
{
    /// <summary>"kill" or "pg-outage": what the clock starts from.</summary>
    public required string From { get; init; }
    public int LimitSeconds { get; init; }
    public bool Recovered { get; init; }
    public double? Seconds { get; init; }
    /// <summary>The first second at which every agent agreed (it may have disagreed again later).</summary>
    public double? FirstAllConsistentSeconds { get; init; }
    public int WorstInconsistentAgents { get; init; }
    public double WorstAtSeconds { get; init; }
    public IReadOnlyList<AgentRecovery> Slowest { get; init; } = [];
    public IReadOnlyList<HealthSample> Samples { get; init; } = [];
}

public sealed record HealthSample(double Seconds, int Consistent, int Inconsistent, int Unreachable, int Unknown);

public sealed record PhaseReport(string Name, double FromSeconds, double ToSeconds, long Placed, long Offered, long Ended, long Errors)
{
    public double PlacedPerSecond => ToSeconds > FromSeconds ? Math.Round(Placed / (ToSeconds - FromSeconds), 1) : 0;
    public double EndedPerSecond => ToSeconds > FromSeconds ? Math.Round(Ended / (ToSeconds - FromSeconds), 1) : 0;
}

public sealed record ProgressSample(double Seconds, long Placed, long Offered, long Ended, long Live, long Errors);

public sealed record Durations(double StartupSeconds, double RunSeconds, double DrainSeconds, double CdrWaitSeconds, double TotalSeconds);
