using System.Globalization;
using System.Text.Json;
using CallCenter.LoadTests.Bench;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scheduling;
using CallCenter.LoadTests.Simulation;
using Layout = CallCenter.LoadTests.Failover.RepositoryLayout;
using PgServer = CallCenter.LoadTests.Failover.PostgresServer;

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
        if (command.Storage != "memory")
        {
            return await CompareStorageAsync(command, scenario, options, cancellationToken);
        }
        PingFigures? ping = null;
        LiveCallFigures? live = null;
        var hooks = new SimulationRunner.HostHooks(
            async (host, ct) =>
            {
                if (host.GrainCalls is { } counter)
                {
                    ping = await PingBenchmark.RunAsync(host.Grains, counter, TimeSpan.FromSeconds(command.PingSeconds), ct);
                    Console.Out.WriteLine(string.Create(c,
                        $"ping: {ping.Calls} grain calls in {ping.WallSeconds:0.00} wall s over {ping.Grains} grains, {ping.Concurrency} in flight: {ping.MessagesPerSecond:0} messages/s"));
                }
            },
            async (host, ct) =>
            {
                if (host.GrainCalls is not null && command.LiveCalls > 0)
                {
                    live = await LiveCallMemory.MeasureAsync(host.Grains, command.LiveCalls, $"bench{Environment.ProcessId}", ct);
                    Console.Out.WriteLine(string.Create(c,
                        $"live calls: {live.Calls} held waiting: heap {live.HeapBefore / 1e6:0.0} MB -> {live.HeapWithCalls / 1e6:0.0} MB, {live.BytesPerLiveCall:0} bytes per live call"));
                }
            });
        var report = await SimulationRunner.RunAsync(scenario, options, Console.Error, cancellationToken, hooks);
        var r = report.Result;
        var d = r.DecisionLatencyMs;
        var phase = r.ArrivalPhase;
        Console.Out.WriteLine(string.Create(c, $"calls per wall-second: {phase?.EndedPerWallSecond ?? 0:0.0} ended while calls arrived ({phase?.Ended} in {phase?.WallSeconds ?? 0:0.00} wall s, offered {phase?.OfferedPerWallSecond ?? 0:0} /wall-s); {r.CallsPerWallSecond:0.0} over the whole run with the drain ({r.CdrRecords} in {r.WallSeconds:0.00} s)"));
        Console.Out.WriteLine(string.Create(c, $"routing decision latency ms: p50 {d.P50:0.###}  p90 {d.P90:0.###}  p99 {d.P99:0.###}  p999 {d.P999:0.###}  max {d.Max:0.###}  (n={d.Samples})"));
        Console.Out.WriteLine(string.Create(c, $"scheduler in the run: {r.Scheduler.Actions} actions, lateness p50 {r.Scheduler.LatenessMs.P50:0.###} ms p99 {r.Scheduler.LatenessMs.P99:0.###} ms max {r.Scheduler.LatenessMs.Max:0.###} ms"));
        SummaryWriter.Write(r, Console.Out);

        var figures = BenchFigures.From(ping, r, live);
        Console.Out.WriteLine(string.Create(c,
            $"messages/s: ping {figures.PingMessagesPerSecond:0}, call flow {figures.FlowMessagesPerSecond:0} ({phase?.GrainCalls} grain calls for {phase?.Offered} calls: {(phase is { Offered: > 0, GrainCalls: { } g } ? g / (double)phase.Offered : 0):0.0} per call); ratio flow/ping {figures.Ratio:0.000}"));
        Console.Out.WriteLine(string.Create(c,
            $"bench: {figures.CallsPerSecond:0.0} calls/s, decision latency p50/p99/p999 {figures.DecisionLatencyMs.P50:0.###}/{figures.DecisionLatencyMs.P99:0.###}/{figures.DecisionLatencyMs.P999:0.###} ms, {figures.BytesAllocatedPerCall:0} bytes allocated per call, {figures.BytesPerLiveCall:0} bytes per live call"));
        if (command.OutPath is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(figures, SimulationResult.JsonOptions) + Environment.NewLine, cancellationToken);
            Console.Out.WriteLine($"bench written to {outPath}");
        }
        return 0;
    }

    /// <summary>
    /// The same built-in scenario on an in-process silo with memory storage and then with
    /// PostgreSQL (a private server started with scripts/pg.sh: grain storage, durable call and
    /// agent state, the history writer); prints calls per wall-second for each.
    /// </summary>
    private static async Task<int> CompareStorageAsync(BenchCommand command, Scenarios.Scenario scenario, RunOptions options, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var runs = new List<object>();
        var figures = new List<(string Storage, double CallsPerSecond)>();
        foreach (var storage in command.Storage == "both" ? new[] { "memory", "postgres" } : new[] { command.Storage })
        {
            PgServer? server = null;
            var dataDirectory = Path.Combine(Path.GetTempPath(), $"callcenter-bench-pg-{Environment.ProcessId}");
            try
            {
                var runOptions = options;
                if (storage == "postgres")
                {
                    server = new PgServer(Layout.PgScript(Layout.FindRoot()), dataDirectory);
                    await server.StartAsync(cancellationToken);
                    await Silo.Storage.SchemaMigrator.ApplyAsync(server.ConnectionString, ct: cancellationToken);
                    runOptions = options with { PostgresConnectionString = server.ConnectionString };
                }
                var report = await SimulationRunner.RunAsync(scenario, runOptions, Console.Error, cancellationToken);
                var r = report.Result;
                var perSecond = r.ArrivalPhase?.EndedPerWallSecond ?? 0;
                figures.Add((storage, perSecond));
                Console.Out.WriteLine(string.Create(c,
                    $"{storage}: {perSecond:0.0} calls ended per wall-second while calls arrived; {r.CallsPerWallSecond:0.0} with the drain; decision p50 {r.DecisionLatencyMs.P50:0.###} ms p99 {r.DecisionLatencyMs.P99:0.###} ms; lost {r.Lost}; refused {r.Refused}"));
                if (r.Storage is { } st)
                {
                    Console.Out.WriteLine(string.Create(c,
                        $"{storage} storage: {st.Reads} reads, {st.Writes} writes, {st.Clears} clears, {st.Lookups} record look-ups = {st.OperationsPerCall:0.00} per call; gate {st.GateCapacity}, peak backlog {st.PeakBacklog}"));
                }
                runs.Add(new { storage, callsPerWallSecond = perSecond, callsPerWallSecondWithDrain = r.CallsPerWallSecond, decisionLatencyMs = r.DecisionLatencyMs, result = r });
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                    try
                    {
                        Directory.Delete(dataDirectory, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }
            }
        }
        if (figures.Count == 2 && figures[0].CallsPerSecond > 0)
        {
            Console.Out.WriteLine(string.Create(c, $"postgres / memory: {figures[1].CallsPerSecond / figures[0].CallsPerSecond:0.00}"));
        }
        if (command.OutPath is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(new { agents = command.Agents, calls = command.Calls, speed = command.Speed ?? DefaultSpeed, runs }, SimulationResult.JsonOptions) + Environment.NewLine, cancellationToken);
            Console.Out.WriteLine($"bench written to {outPath}");
        }
        return figures.All(f => f.CallsPerSecond > 0) ? 0 : 1;
    }
}
