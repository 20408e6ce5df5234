using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Hosting;
using CallCenter.LoadTests.Scenarios;
using CallCenter.Time;

namespace CallCenter.LoadTests.Simulation;

/// <summary>Runs one validated scenario end to end: clock, host, simulation, shutdown.</summary>
public static class SimulationRunner
{
    private const int MinPoolThreads = 16;

    /// <summary>
    /// Work to do on the same host around the scenario (the benchmark's ping run before it, the
    /// live-call memory measurement after it).
    /// </summary>
    public sealed record HostHooks(Func<SimulationHost, CancellationToken, Task>? Before, Func<SimulationHost, CancellationToken, Task>? After);

    public static Task<SimulationReport> RunAsync(
        Scenario scenario, RunOptions options, TextWriter progress, CancellationToken cancellationToken = default, HostHooks? hooks = null)
    {
        if (options.FromSeconds != 0 || options.StaffFraction != 1)
        {
            if (options.FromSeconds >= scenario.DurationSeconds)
            {
                throw new ScenarioException([new ScenarioError("--from-seconds", $"{options.FromSeconds} is past the scenario's {scenario.DurationSeconds} s")]);
            }
            scenario = ScenarioWindow.Apply(scenario, options.FromSeconds, options.StaffFraction);
        }
        if (options.Calls is { } calls)
        {
            var seconds = Scaling.ScenarioSizing.SecondsFor(scenario, calls, options.RateMultiplier)
                ?? throw new ScenarioException([new ScenarioError("scenario.arrivals", $"the arrivals never add up to {calls} calls")]);
            options = options with { DurationSeconds = Math.Min(seconds, options.DurationSeconds ?? scenario.DurationSeconds) };
        }
        var plan = new ScenarioPlan(scenario);
        if (plan.CheckAgainstGrains() is { Count: > 0 } refused)
        {
            throw new ScenarioException(refused);
        }
        // A burst of first activations can block a few pool threads at once; the pool then adds
        // threads only about once a second, which on a fast clock is a minute of scenario time.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, MinPoolThreads), completionPorts);
        // On the thread pool, whatever the caller's synchronization context (a test runner's
        // throttles its continuations): the silo's background loops must not inherit it.
        return Task.Run(() => RunOnThreadPoolAsync(plan, options, progress, hooks, cancellationToken), cancellationToken);
    }

    private static async Task<SimulationReport> RunOnThreadPoolAsync(
        ScenarioPlan plan, RunOptions options, TextWriter progress, HostHooks? hooks, CancellationToken cancellationToken)
    {
        var scenario = plan.Scenario;
        var speed = options.Speed ?? scenario.Speed;
        var clock = new ScaledTimeProvider(scenario.StartAt ?? DefaultStart(), speed);

        var host = options.Client is { } client ? SimulationHost.Borrow(client, "client of a cluster of silo processes")
            : options.Join is { } gateway ? await SimulationHost.JoinAsync(gateway, cancellationToken)
            : await SimulationHost.StartInProcessAsync(clock, cancellationToken, options.PostgresConnectionString, options.Admission);
        await using (host)
        {
            progress.WriteLine($"[sim] {host.Description}");
            if (options.Join is not null || options.Client is not null)
            {
                progress.WriteLine($"[sim] joined: the cluster's own clock must run at speed {speed}; records are counted from the call observer only");
            }
            if (hooks?.Before is { } before)
            {
                await before(host, cancellationToken);
            }
            var simulator = new Simulator(plan, host.Grains, clock, options, host.Sink, progress, host.GrainCalls);
            var gate = options.PostgresConnectionString is not null ? host.StorageGate : null;
            var operationsBefore = gate?.Operations ?? default;
            var report = await simulator.RunAsync(cancellationToken);
            if (gate is not null)
            {
                var used = gate.Operations - operationsBefore;
                var calls = Math.Max(1, report.Result.Offered - report.Result.Refused);
                report = report with
                {
                    Result = report.Result with
                    {
                        Storage = new StorageFigures(used.Reads, used.Writes, used.Clears, used.Lookups, Math.Round(used.Total / (double)calls, 2), gate.Capacity, gate.PeakWaiting),
                    },
                };
            }
            if (hooks?.After is { } after)
            {
                await after(host, cancellationToken);
            }
            return report;
        }
    }

    /// <summary>Today 08:00 UTC: a working morning, far from the midnight where daily counters reset.</summary>
    private static DateTimeOffset DefaultStart() => new(DateTime.UtcNow.Date.AddHours(8), TimeSpan.Zero);
}
