using System.Globalization;
using System.Text.Json;
using CallCenter.LoadTests.Bench;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scheduling;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Commands;

/// <summary><c>bench</c>: the scheduler alone, then the built-in large scenario against the grains.</summary>
public static class Benchmark
{
    /// <summary>Scenario seconds per wall second unless --speed says otherwise (see the bench notes in the report).</summary>
    public const double DefaultSpeed = 30;

    public static async Task<int> RunAsync(BenchCommand command, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var scheduler = SchedulerBenchmark.Run();
        Console.Out.WriteLine(string.Create(c,
            $"scheduler alone: {scheduler.Actions} actions offered at {scheduler.OfferedPerWallSecond:0} /wall-s, ran {scheduler.ActionsPerWallSecond:0} /wall-s, lateness p50 {scheduler.LatenessP50Ms:0.###} ms p99 {scheduler.LatenessP99Ms:0.###} ms max {scheduler.LatenessMaxMs:0.###} ms, {scheduler.BytesAllocatedPerAction:0.#} bytes allocated per action"));

        var speed = command.Speed ?? DefaultSpeed;
        var scenario = BenchScenario.Create(command.Agents, command.Calls, speed, command.RateMultiplier);
        var offeredPerWallSecond = scenario.Arrivals.Sum(a => a.RatePerSecond) * command.RateMultiplier * speed;
        Console.Out.WriteLine(string.Create(c,
            $"bench: {command.Agents} agents, {BenchScenario.QueueCount} queues, exponential handle mean {BenchScenario.HandleSeconds} s, occupancy target {BenchScenario.TargetOccupancy * command.RateMultiplier:0.00}, speed {speed}, {command.Calls} calls offered at {offeredPerWallSecond:0} /wall-s"));

        var options = new RunOptions { Join = command.Join, RateMultiplier = command.RateMultiplier, ScenarioPath = "(built-in bench)" };
        var report = await SimulationRunner.RunAsync(scenario, options, Console.Error, cancellationToken);
        var r = report.Result;
        var d = r.DecisionLatencyMs;
        var phase = r.ArrivalPhase;
        Console.Out.WriteLine(string.Create(c, $"calls per wall-second: {phase?.EndedPerWallSecond ?? 0:0.0} ended while calls arrived ({phase?.Ended} in {phase?.WallSeconds ?? 0:0.00} wall s, offered {phase?.OfferedPerWallSecond ?? 0:0} /wall-s); {r.CallsPerWallSecond:0.0} over the whole run with the drain ({r.CdrRecords} in {r.WallSeconds:0.00} s)"));
        Console.Out.WriteLine(string.Create(c, $"routing decision latency ms: p50 {d.P50:0.###}  p90 {d.P90:0.###}  p99 {d.P99:0.###}  p999 {d.P999:0.###}  max {d.Max:0.###}  (n={d.Samples})"));
        Console.Out.WriteLine(string.Create(c, $"scheduler in the run: {r.Scheduler.Actions} actions, lateness p50 {r.Scheduler.LatenessMs.P50:0.###} ms p99 {r.Scheduler.LatenessMs.P99:0.###} ms max {r.Scheduler.LatenessMs.Max:0.###} ms"));
        SummaryWriter.Write(r, Console.Out);

        if (command.OutPath is { } outPath)
        {
            var bench = new
            {
                agents = command.Agents,
                queues = BenchScenario.QueueCount,
                handleSecondsMean = BenchScenario.HandleSeconds,
                occupancyTarget = BenchScenario.TargetOccupancy * command.RateMultiplier,
                speed,
                rateMultiplier = command.RateMultiplier,
                offeredCallsPerWallSecond = offeredPerWallSecond,
                callsPerWallSecond = phase?.EndedPerWallSecond ?? 0,
                callsPerWallSecondWithDrain = r.CallsPerWallSecond,
                decisionLatencyMs = r.DecisionLatencyMs,
                schedulerAlone = scheduler,
                result = r,
            };
            await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(bench, SimulationResult.JsonOptions) + Environment.NewLine, cancellationToken);
            Console.Out.WriteLine($"bench written to {outPath}");
        }
        return 0;
    }
}
