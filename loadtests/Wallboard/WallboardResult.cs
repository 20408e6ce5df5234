using System.Globalization;
using System.Text.Json;
using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>Latency percentiles of one path, in milliseconds, over every (flip, page) pair that showed the flip.</summary>
public sealed record LatencyFigures(int Count, int Missed, double P50, double P95, double P99, double Max)
{
    public static LatencyFigures Of(IEnumerable<double> values, int missed)
    {
        var sorted = values.Order().ToArray();
        double P(double p) => Math.Round(ProbeLatency.Percentile(sorted, p), 1);
        return new LatencyFigures(sorted.Length, missed, P(0.50), P(0.95), P(0.99), sorted.Length == 0 ? double.NaN : Math.Round(sorted[^1], 1));
    }
}

/// <summary>The traffic that ran: asked for against what the simulator started and what the silo took in, and how the calls ended.</summary>
/// <param name="StartedCallsPerSecond">Calls the simulator started per wall second while arriving (it does not wait for the silo, so this is the offered load).</param>
/// <param name="QueuedCallsPerSecondDuringProbes">Calls the queues counted as offered per wall second between the first and the last probe: what the silo kept up with.</param>
/// <param name="EndedCallsPerSecond">Calls that reached their outcome per wall second while calls arrived.</param>
public sealed record TrafficFigures(
    double AskedCallsPerSecond,
    double StartedCallsPerSecond,
    double QueuedCallsPerSecondDuringProbes,
    double EndedCallsPerSecond,
    long Offered,
    long Answered,
    long Abandoned,
    long Lost,
    long GrainCallErrors,
    int Agents,
    string FinishReason)
{
    /// <summary>The rate the system sustained: the slower of taking calls in and ending them.</summary>
    public double AchievedCallsPerSecond => double.IsNaN(QueuedCallsPerSecondDuringProbes) ? EndedCallsPerSecond : Math.Min(QueuedCallsPerSecondDuringProbes, EndedCallsPerSecond);
}

/// <summary>WALLBOARD.json: the issue's Done-when figure, state change to render on real wallboard circuits under simulated traffic.</summary>
public sealed record WallboardResult(
    int CircuitsRequested,
    int CircuitsOpen,
    string Scope,
    int Probes,
    double ProbeGapSeconds,
    LatencyFigures StateChangeToRender,
    LatencyFigures QueueFiguresToRender,
    int ProbeCallsUnanswered,
    double ProbeCallP50Ms,
    double ProbeCallMaxMs,
    double RendersPerCircuitPerSecond,
    TrafficFigures Traffic,
    LoadFigures Load,
    IReadOnlyList<string> Notes)
{
    public string ToJson() => JsonSerializer.Serialize(this, FailoverResult.JsonOptions);

    public void WriteSummary(TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        var l = StateChangeToRender;
        var q = QueueFiguresToRender;
        o.WriteLine(string.Create(c, $"wallboard benchmark: {CircuitsOpen} wallboard circuits (Chromium pages at /wallboard?scope={Scope}), {Probes} probe state changes"));
        o.WriteLine(string.Create(c, $"  state change -> render (Ready / Not ready tiles): p50 {l.P50:0} ms, p95 {l.P95:0} ms, p99 {l.P99:0} ms, max {l.Max:0} ms, count {l.Count} (missed {l.Missed} of {Probes * CircuitsOpen})"));
        o.WriteLine(string.Create(c, $"  queue figures -> render (probe queue's ready cell): p50 {q.P50:0} ms, p95 {q.P95:0} ms, max {q.Max:0} ms, count {q.Count} (missed {q.Missed})"));
        o.WriteLine(string.Create(c, $"  probe grain call: p50 {ProbeCallP50Ms:0.0} ms, max {ProbeCallMaxMs:0.0} ms, {ProbeCallsUnanswered} unanswered within the gap; renders per circuit per second: {RendersPerCircuitPerSecond:0.00}"));
        var t = Traffic;
        o.WriteLine(string.Create(c, $"  traffic: asked {t.AskedCallsPerSecond:0.#} calls/s; achieved {t.AchievedCallsPerSecond:0.#} calls/s (simulator started {t.StartedCallsPerSecond:0.#}/s, queues took in {t.QueuedCallsPerSecondDuringProbes:0.#}/s during the probes, {t.EndedCallsPerSecond:0.#}/s ended while arriving)"));
        o.WriteLine(string.Create(c, $"  calls: {t.Offered} offered, {t.Answered} answered, {t.Abandoned} abandoned, {t.Lost} {(t.FinishReason.StartsWith("drain", StringComparison.Ordinal) ? "still in flight when the drain stopped (not waited for)" : "lost")}, {t.GrainCallErrors} grain call errors; {t.Agents} agents; {t.FinishReason}"));
        var m = Load;
        o.WriteLine(string.Create(c, $"  load: machine {m.MachineBusyPercent:0.#}% busy of {m.Cores} cores; silo {m.SiloCores:0.00} cores, simulator+bench {m.BenchProcessCores:0.00}, browser {m.BrowserCores:0.00}; load average {string.Join(" ", m.LoadAverage.Select(x => x.ToString("0.00", c)))}"));
        foreach (var note in Notes)
        {
            o.WriteLine($"  note: {note}");
        }
    }
}
