using System.Globalization;

namespace CallCenter.LoadTests.Results;

/// <summary>The plain-text summary of a run, with Erlang C figures beside the measured ones where they apply.</summary>
public static class SummaryWriter
{
    public static void Write(SimulationResult r, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(c, $"{r.ScenarioName ?? r.Scenario ?? "scenario"}: {r.ScenarioSeconds:0} scenario s in {r.WallSeconds:0.0} wall s (speed {r.Speed:0.###}, {r.Mode}); {r.Offered} calls, {r.CallsPerWallSecond:0.0} calls/wall-s; finished: {r.FinishReason}"));
        var others = string.Join(" ", r.OtherOutcomes.Where(x => x.Value > 0).Select(x => $"{x.Key}={x.Value}"));
        o.WriteLine(string.Create(c, $"answered {r.Answered}  abandoned {r.Abandoned}  overflowed {r.Overflowed}  other {(others.Length > 0 ? others : "0")}  lost {r.Lost}  refused {r.Refused}  invariant violations {r.InvariantViolations}  duplicate records {r.DuplicateCdrs}  grain call errors {r.GrainCallErrors}"));
        var d = r.DecisionLatencyMs;
        o.WriteLine(string.Create(c, $"routing decision latency ms: p50 {d.P50:0.###}  p90 {d.P90:0.###}  p99 {d.P99:0.###}  p999 {d.P999:0.###}  max {d.Max:0.###}  (n={d.Samples})"));
        o.WriteLine(string.Create(c, $"{"queue",-16} {"offered",8} {"answered",8} {"abandon",8} {"ovflow",7} {"SL",6} {"ASA s",8} {"AHT s",8}  wait p50/p90/p99 s"));
        foreach (var (id, q) in r.Queues)
        {
            o.WriteLine(string.Create(c, $"{id,-16} {q.Offered,8} {q.Answered,8} {q.Abandoned,8} {q.Overflowed,7} {q.ServiceLevel,6:0.000} {q.AsaSeconds,8:0.00} {q.AhtSeconds,8:0.0}  {q.WaitSeconds.P50:0.0}/{q.WaitSeconds.P90:0.0}/{q.WaitSeconds.P99:0.0}"));
            if (q.ErlangC is { } e)
            {
                o.WriteLine(string.Create(c, $"{"  Erlang C",-16} n={e.Agents} A={e.OfferedLoadErlangs:0.00} E  P(wait)={e.ProbabilityOfWaiting:0.000}  SL={e.ServiceLevel:0.000}  ASA={e.AsaSeconds:0.00} s"));
                o.WriteLine(string.Create(c, $"{"  ideal replay",-16} these calls, FIFO, no latency: SL={e.IdealReplay.ServiceLevel:0.000}  ASA={e.IdealReplay.AsaSeconds:0.00} s"));
            }
            if (q.ErlangA is { } a)
            {
                var measured = q.Offered == 0 ? 0 : (double)q.Abandoned / q.Offered;
                o.WriteLine(string.Create(c, $"{"  Erlang A",-16} n={a.Agents} A={a.OfferedLoadErlangs:0.00} E patience {a.MeanPatienceSeconds:0} s  P(wait)={a.ProbabilityOfWaiting:0.000}  P(abandon)={a.AbandonProbability:0.0000} (measured {measured:0.0000})  SL={a.ServiceLevel:0.000}  ASA={a.AsaSeconds:0.00} s"));
            }
        }
        WriteRegions(r, o);
        foreach (var detail in r.InvariantDetails)
        {
            o.WriteLine($"  violation: {detail}");
        }
        foreach (var detail in r.GrainCallErrorDetails)
        {
            o.WriteLine($"  grain call error: {detail}");
        }
    }

    /// <summary>Queues grouped by region, for scenarios with more than one: the table a load tester compares with the regions' targets.</summary>
    private static void WriteRegions(SimulationResult r, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        var regions = r.Queues.GroupBy(q => q.Value.Region ?? q.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (regions.Count < 2 || regions.Count == r.Queues.Count)
        {
            return;
        }
        o.WriteLine(string.Create(c, $"{"region",-16} {"offered",8} {"answered",8} {"abandon",8} {"ovflow",7} {"lost",5} {"SL",6} {"ASA s",8}"));
        foreach (var g in regions)
        {
            var answered = g.Sum(q => q.Value.Answered);
            var counted = answered + g.Sum(q => q.Value.AbandonedAfterThreshold);
            var serviceLevel = counted == 0 ? 1 : (double)g.Sum(q => q.Value.AnsweredWithinServiceLevel) / counted;
            var asa = answered == 0 ? 0 : g.Sum(q => q.Value.AsaSeconds * q.Value.Answered) / answered;
            o.WriteLine(string.Create(c, $"{g.Key,-16} {g.Sum(q => q.Value.Offered),8} {answered,8} {g.Sum(q => q.Value.Abandoned),8} {g.Sum(q => q.Value.Overflowed),7} {g.Sum(q => q.Value.Lost),5} {serviceLevel,6:0.000} {asa,8:0.00}"));
        }
    }
}
