using System.Globalization;
using System.Text.Json;
using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Scaling;

/// <summary>One cluster size's run of the scenario.</summary>
/// <param name="CallsPerSecond">Calls offered per wall second over the whole run, drain included: when the cluster cannot keep up the drain stretches and this falls.</param>
/// <param name="EndedPerSecondWhileArriving">Calls ended per wall second while calls arrived.</param>
public sealed record ScaleStep(
    int Silos,
    long Offered,
    long Answered,
    long Abandoned,
    long Lost,
    long InvariantViolations,
    double WallSeconds,
    double CallsPerSecond,
    double? EndedPerSecondWhileArriving,
    double DecisionLatencyP50Ms,
    double DecisionLatencyP99Ms,
    string FinishReason,
    string WorkDirectory)
{
    /// <summary>Calls refused at the door by the silos' admission control (counted in offered; not lost).</summary>
    public long Refused { get; init; }

    /// <summary>This step's calls per second over the first step's.</summary>
    public double? SpeedUp { get; init; }

    /// <summary>The first few invariant violations, to start the investigation from.</summary>
    public IReadOnlyList<string> InvariantDetails { get; init; } = [];

    /// <summary>What the step's processes cost in CPU (null where /proc cannot be read).</summary>
    public ScaleCpu? Cpu { get; init; }
}

/// <summary>
/// CPU seconds used while the simulator ran (its agent set-up included) by the silo processes
/// together, the step's PostgreSQL server with its backends, and this process (the simulator as
/// the cluster's client); per call that entered (offered minus refused) in milliseconds. On a host
/// whose cores are all busy, the silos' milliseconds per call is what a call costs the cluster:
/// a silo host with C free cores ends about C × 1000 / <see cref="SiloMsPerCall"/> calls per second.
/// </summary>
public sealed record ScaleCpu(double SiloSeconds, double PostgresSeconds, double ClientSeconds, double SiloMsPerCall, double TotalMsPerCall)
{
    public static ScaleCpu? Between(CpuSample? before, CpuSample? after, long calls)
    {
        if (before is null || after is null || calls <= 0)
        {
            return null;
        }
        var silos = (after.Silos - before.Silos).TotalSeconds;
        var pg = (after.Postgres - before.Postgres).TotalSeconds;
        var client = (after.Client - before.Client).TotalSeconds;
        return new ScaleCpu(Math.Round(silos, 2), Math.Round(pg, 2), Math.Round(client, 2),
            Math.Round(silos * 1000 / calls, 3), Math.Round((silos + pg + client) * 1000 / calls, 3));
    }
}

/// <summary>Cumulative CPU time of a step's processes at one instant.</summary>
public sealed record CpuSample(TimeSpan Silos, TimeSpan Postgres, TimeSpan Client);

/// <summary>SCALE.json: the scenario, how it was run and one step per cluster size.</summary>
public sealed record ScaleResult(
    string Scenario,
    double Speed,
    double? ArrivalSeconds,
    int ProcessorCount,
    string Storage,
    IReadOnlyList<ScaleStep> Steps)
{
    /// <summary>The last size's calls per second over the first's (null with one size).</summary>
    public double? SpeedUp => Steps.Count > 1 ? Steps[^1].SpeedUp : null;

    public long Lost => Steps.Sum(s => s.Lost);

    public long Refused => Steps.Sum(s => s.Refused);

    public string ToJson() => JsonSerializer.Serialize(this, FailoverResult.JsonOptions);

    public void WriteSummary(TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(c, $"{Scenario} at speed {Speed:0.###} on {ProcessorCount} cores ({Storage}):"));
        o.WriteLine("silos  offered    lost  refused  calls/s  ended/s(arr)  p50 ms  p99 ms  speed-up  silo cpu ms/call  finished");
        foreach (var s in Steps)
        {
            o.WriteLine(string.Create(c,
                $"{s.Silos,5}  {s.Offered,7}  {s.Lost,6}  {s.Refused,7}  {s.CallsPerSecond,7:0.0}  {s.EndedPerSecondWhileArriving,12:0.0}  {s.DecisionLatencyP50Ms,6:0.0}  {s.DecisionLatencyP99Ms,6:0.0}  {s.SpeedUp,8:0.00}  {s.Cpu?.SiloMsPerCall,16:0.00}  {s.FinishReason}"));
        }
    }
}
