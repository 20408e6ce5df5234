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
}

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
        o.WriteLine("silos  offered    lost  refused  calls/s  ended/s(arr)  p50 ms  p99 ms  speed-up  finished");
        foreach (var s in Steps)
        {
            o.WriteLine(string.Create(c,
                $"{s.Silos,5}  {s.Offered,7}  {s.Lost,6}  {s.Refused,7}  {s.CallsPerSecond,7:0.0}  {s.EndedPerSecondWhileArriving,12:0.0}  {s.DecisionLatencyP50Ms,6:0.0}  {s.DecisionLatencyP99Ms,6:0.0}  {s.SpeedUp,8:0.00}  {s.FinishReason}"));
        }
    }
}
