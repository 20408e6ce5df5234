using System.Diagnostics;
using System.Globalization;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Hosting;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>
/// The Done-when benchmark of the web issue, end to end on this machine: the embedded silo with
/// its web site (a child process), the grain-level simulator joined to it as a client offering
/// calls at the asked rate, N real wallboard circuits in headless Chromium, and a probe agent
/// flipped between ready and not ready. Each flip's wall time is compared with the moment each
/// page's DOM showed it. Everything started is stopped in finally blocks (using declarations).
/// </summary>
public static class WallboardRun
{
    /// <summary>Only for waiting on a loaded machine, never part of a figure.</summary>
    private static readonly TimeSpan ArrivalsStartTimeout = TimeSpan.FromMinutes(5);

    public static Task<WallboardResult> RunAsync(WallboardOptions options, TextWriter progress, CancellationToken cancellationToken) =>
        // On the thread pool, whatever the caller's synchronization context.
        Task.Run(() => RunCoreAsync(options, progress, cancellationToken), cancellationToken);

    private static async Task<WallboardResult> RunCoreAsync(WallboardOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        var scenario = WallboardScenario.Create(options.Rate, options.Seconds, options.HandleSeconds);
        var siloDll = Path.GetFullPath(options.SiloDll ?? RepositoryLayout.SiloDll(RepositoryLayout.FindRoot()));
        if (!File.Exists(options.ChromiumPath))
        {
            throw new FailoverSetupException($"{options.ChromiumPath} is missing (scripts/web-tools.sh install, or give --chromium PATH)");
        }
        await using var silo = await WallboardSilo.StartAsync(siloDll, progress, cancellationToken);
        await using var client = await SimulationHost.JoinAsync(silo.Gateway, cancellationToken);
        var probe = new WallboardProbe(client.Grains);
        await probe.SetUpAsync();
        await using var pages = await WallboardPages.OpenAsync(options.ChromiumPath, silo.Web, options.Circuits, WallboardProbe.Scope, WallboardProbe.QueueId, progress, cancellationToken);

        using var stopSimulation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = new RunOptions
        {
            Client = client.Grains,
            Speed = 1,
            DurationSeconds = options.Seconds,
            // The latency is measured while calls arrive; an overloaded silo's backlog is not worth
            // waiting for afterwards (calls still in flight are reported, not waited out).
            DrainSeconds = Math.Max(10, 3 * options.HandleSeconds),
            DrainWallCapSeconds = 30,
            ProgressInterval = TimeSpan.FromSeconds(10),
            ScenarioPath = "(built in: wallboard)",
        };
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[wallboard] simulator: {options.Rate:0.##} calls/s for {options.Seconds:0} s over {scenario.Queues.Length} queues, {scenario.Agents.Sum(a => a.Count)} agents, mean handle {options.HandleSeconds:0.#} s"));
        var simulation = SimulationRunner.RunAsync(scenario, run, progress, stopSimulation.Token);

        var statistics = client.Grains.GetCenterStatistics();
        var arrivals = await WaitForArrivalsAsync(statistics, simulation, cancellationToken);
        progress.WriteLine($"[wallboard] calls are arriving; probes start after a {options.WarmUpSeconds:0} s warm-up");
        await Task.Delay(TimeSpan.FromSeconds(options.WarmUpSeconds), cancellationToken);

        var flips = new List<ProbeFlip>();
        var callTimes = new List<double>();
        var unanswered = 0;
        var offeredAtStart = await OfferedTodayAsync(statistics);
        await pages.ResetRendersAsync();
        var loadAtStart = MachineLoad.Read(silo.CpuTime(), silo.Pid);
        var probing = Stopwatch.StartNew();
        var random = new Random(1);
        // Probes stop a gap before the arrivals do, so that the last one is measured under traffic too.
        while (arrivals.Elapsed.TotalSeconds < options.Seconds - options.ProbeGapSeconds && !simulation.IsCompleted)
        {
            // A random gap, so that flips do not keep one phase against the periodic batching on the path.
            var gap = TimeSpan.FromSeconds(options.ProbeGapSeconds * (0.8 + 0.4 * random.NextDouble()));
            var flipClock = Stopwatch.StartNew();
            var (flip, callTime) = await probe.FlipAsync(gap);
            flips.Add(flip);
            if (callTime is { } answered)
            {
                callTimes.Add(answered.TotalMilliseconds);
            }
            else
            {
                unanswered++;
            }
            if (gap - flipClock.Elapsed is { Ticks: > 0 } rest)
            {
                await Task.Delay(rest, cancellationToken);
            }
        }
        var probeSeconds = probing.Elapsed.TotalSeconds;
        var offeredAtEnd = await OfferedTodayAsync(statistics);
        var loadAtEnd = MachineLoad.Read(silo.CpuTime(), silo.Pid);
        var logs = await pages.CollectAsync();
        progress.WriteLine($"[wallboard] {flips.Count} probes done; waiting for the simulator to drain");

        var report = await simulation;
        if (silo.HasExited)
        {
            throw new FailoverSetupException($"the silo exited during the run:{Environment.NewLine}{silo.Output}");
        }
        return Summarise(options, pages.Count, flips, callTimes, unanswered, logs, report.Result, MachineLoad.Between(loadAtStart, loadAtEnd),
            offeredAtEnd - offeredAtStart is { } queued ? queued / Math.Max(0.001, probeSeconds) : double.NaN, probeSeconds);
    }

    /// <summary>Calls the queues counted today, or null when an overloaded silo does not answer in time.</summary>
    private static async Task<int?> OfferedTodayAsync(Stats.ICenterStatisticsGrain statistics)
    {
        try
        {
            return (await statistics.Get().WaitAsync(TimeSpan.FromSeconds(20))).Center.Today.Offered;
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return null;
        }
    }

    /// <summary>Waits until the queues count offered calls (the simulator has logged its agents in first).</summary>
    private static async Task<Stopwatch> WaitForArrivalsAsync(Stats.ICenterStatisticsGrain statistics, Task simulation, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < ArrivalsStartTimeout)
        {
            if (simulation.IsCompleted)
            {
                await simulation; // its exception, if it failed
                throw new FailoverSetupException("the simulator finished before any call arrived");
            }
            if ((await statistics.Get()).Center.Today.Offered > 0)
            {
                return Stopwatch.StartNew();
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new FailoverSetupException($"no call arrived within {ArrivalsStartTimeout}");
    }

    public static WallboardResult Summarise(WallboardOptions options, int circuits, IReadOnlyList<ProbeFlip> flips, IReadOnlyList<double> callTimes, int unanswered,
        IReadOnlyList<PageLog> logs, SimulationResult simulation, LoadFigures load, double callsPerSecondDuringProbes, double probeSeconds)
    {
        var tiles = logs.Select(l => ProbeLatency.Match(flips, l.Changes, ProbeLatency.Tiles)).ToList();
        var queue = logs.Select(l => ProbeLatency.Match(flips, l.Changes, ProbeLatency.QueueCell)).ToList();
        var sortedCalls = callTimes.Order().ToArray();
        var traffic = new TrafficFigures(options.Rate,
            Math.Round(simulation.ArrivalPhase?.OfferedPerWallSecond ?? simulation.CallsPerWallSecond, 1),
            Math.Round(callsPerSecondDuringProbes, 1),
            Math.Round(simulation.ArrivalPhase?.EndedPerWallSecond ?? simulation.CallsPerWallSecond, 1),
            simulation.Offered, simulation.Answered, simulation.Abandoned, simulation.Lost, simulation.GrainCallErrors, simulation.Agents, simulation.FinishReason);
        var achieved = traffic.AchievedCallsPerSecond;
        var notes = new List<string>();
        if (achieved < 0.9 * options.Rate)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"the system sustained {achieved:0.#} of the {options.Rate:0.##} calls/s asked: on {Environment.ProcessorCount} cores the silo, the simulator and {circuits} Chromium pages share the CPU (machine {load.MachineBusyPercent:0}% busy, load average {string.Join(" ", load.LoadAverage.Select(x => x.ToString("0.0", CultureInfo.InvariantCulture)))})"));
        }
        if (circuits < options.Circuits)
        {
            notes.Add($"only {circuits} of {options.Circuits} wallboard pages could be opened");
        }
        if (unanswered > 0)
        {
            notes.Add($"{unanswered} of {flips.Count} probe grain calls had no answer within their gap (the silo was behind); their flips still count");
        }
        var missed = tiles.Sum(t => t.Missed);
        if (missed > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{missed} (probe, page) pairs did not show the change before the next probe ({options.ProbeGapSeconds:0.#} s mean gap): counted as missed, not as latencies"));
        }
        notes.Add("latency = Date.now() in the page when its DOM showed the change - wall time just before the probe's grain call (one machine clock); it includes the silo's presence batching, the statistics grain's push, the web's render gap and the SignalR hop");
        return new WallboardResult(
            options.Circuits,
            circuits,
            WallboardProbe.Scope,
            flips.Count,
            options.ProbeGapSeconds,
            LatencyFigures.Of(tiles.SelectMany(t => t.Milliseconds), missed),
            LatencyFigures.Of(queue.SelectMany(t => t.Milliseconds), queue.Sum(t => t.Missed)),
            unanswered,
            Math.Round(ProbeLatency.Percentile(sortedCalls, 0.5), 1),
            sortedCalls.Length == 0 ? double.NaN : Math.Round(sortedCalls[^1], 1),
            Math.Round(logs.Sum(l => (double)l.Renders) / Math.Max(1, logs.Count) / Math.Max(0.001, probeSeconds), 2),
            traffic,
            load,
            notes);
    }
}
