using System.Globalization;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Scaling;

/// <summary>
/// The same scenario against a cluster of each size in turn: for each, a private PostgreSQL, the
/// schema, N silo processes on a clock at the scenario's speed (one --clock-start reading, so that they agree on
/// the time), and the simulator joined as their client. Each size gets a fresh database, so no
/// run sees another's grain state or records. Everything started is stopped in finally blocks.
/// </summary>
public static class ScaleRun
{
    /// <summary>
    /// The simulator fires each grain call once and never retries (unlike the failover driver), so
    /// a call that times out while an overloaded host stalls would count as a lost call that the
    /// cluster never lost: on this run, calls wait for their answer for a long time instead.
    /// </summary>
    public static readonly TimeSpan GrainCallTimeout = TimeSpan.FromSeconds(120);

    public static Task<ScaleResult> RunAsync(Scenario scenario, ScaleOptions options, TextWriter progress, CancellationToken cancellationToken) =>
        // On the thread pool, whatever the caller's synchronization context (a test runner's).
        Task.Run(() => RunCoreAsync(scenario, options, progress, cancellationToken), cancellationToken);

    private static async Task<ScaleResult> RunCoreAsync(Scenario scenario, ScaleOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        var root = RepositoryLayout.FindRoot();
        var siloDll = Path.GetFullPath(options.SiloDll ?? RepositoryLayout.SiloDll(root));
        if (!File.Exists(siloDll))
        {
            throw new FailoverSetupException($"the silo build is missing: {siloDll} (build it: dotnet build {Path.Combine(root, "Silo")} -c Release, or give --silo-dll)");
        }
        var speed = options.Speed ?? scenario.Speed;
        double? arrivalSeconds = null;
        if (options.Calls is { } calls)
        {
            arrivalSeconds = ScenarioSizing.SecondsFor(scenario, calls, options.RateMultiplier)
                ?? throw new ScenarioException([new ScenarioError("scenario.arrivals", $"the arrivals never add up to {calls} calls")]);
        }
        var parent = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "callcenter-scale");
        var work = Path.GetFullPath(Path.Combine(parent, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}"));
        Directory.CreateDirectory(work);
        progress.WriteLine($"[scale] work folder {work}; sizes {string.Join(", ", options.Silos)}; speed {speed.ToString(CultureInfo.InvariantCulture)}"
            + (arrivalSeconds is { } s ? $"; arrivals for {s:0} scenario s (about {options.Calls} calls)" : ""));

        var steps = new List<ScaleStep>();
        foreach (var size in options.Silos)
        {
            var step = await RunSizeAsync(scenario, options, size, speed, arrivalSeconds, siloDll, root, Path.Combine(work, $"silos-{size}"), progress, cancellationToken);
            steps.Add(steps.Count == 0 ? step : step with { SpeedUp = Ratio(step.CallsPerSecond, steps[0].CallsPerSecond) });
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[scale] {size} silo(s): {step.Offered} calls, {step.CallsPerSecond:0.0} calls/s, decision p50 {step.DecisionLatencyP50Ms:0.0} ms p99 {step.DecisionLatencyP99Ms:0.0} ms, lost {step.Lost}, refused {step.Refused}"));
        }
        if (steps.Count > 0)
        {
            steps[0] = steps[0] with { SpeedUp = 1 };
        }
        return new ScaleResult(scenario.Name ?? Path.GetFileNameWithoutExtension(options.ScenarioPath), speed, arrivalSeconds,
            Environment.ProcessorCount, "PostgreSQL (clustering, grain state, history), silo processes on this host", steps);
    }

    private static async Task<ScaleStep> RunSizeAsync(Scenario scenario, ScaleOptions options, int size, double speed, double? arrivalSeconds,
        string siloDll, string root, string work, TextWriter progress, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(work);
        var pg = new PostgresServer(RepositoryLayout.PgScript(root), Path.Combine(work, "pgdata"));
        var silos = new List<SiloProcess>();
        ClusterClient? client = null;
        var clean = false;
        try
        {
            await pg.StartAsync(cancellationToken);
            var clusterId = $"scale-{size}-{DateTime.UtcNow:HHmmss}";
            // One clock reading for every silo of the cluster (the real time now): silos started a second
            // apart would otherwise disagree by `speed` seconds of scenario time.
            var clockStart = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            var launch = new SiloLaunch(siloDll, pg.ConnectionString, clusterId, FailoverRun.ServiceId, work,
                ["--clock-speed", speed.ToString("R", CultureInfo.InvariantCulture), "--clock-start", clockStart,
                 "--CallCenter:Silo:ResponseTimeoutSeconds", GrainCallTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
            await MigrateAsync(launch, progress, cancellationToken);
            var used = new HashSet<int>();
            for (var i = 0; i < size; i++)
            {
                silos.Add(SiloProcess.Start(launch, i, FailoverRun.FreePort(used), FailoverRun.FreePort(used)));
            }
            progress.WriteLine($"[scale] {size} silo(s) on PostgreSQL port {pg.Port}: {string.Join(", ", silos.Select(s => $"#{s.Index} pid {s.Pid}"))}");
            client = await FailoverRun.ConnectAsync(pg.ConnectionString, clusterId, Path.Combine(work, "client.log"), silos, progress, cancellationToken, GrainCallTimeout);
            await FailoverRun.WaitForClusterAsync(client, silos, progress, cancellationToken);

            var run = new RunOptions
            {
                Client = client.Grains,
                Speed = speed,
                DurationSeconds = arrivalSeconds,
                DrainSeconds = options.DrainSeconds,
                RateMultiplier = options.RateMultiplier,
                ProgressInterval = options.ProgressInterval,
                ScenarioPath = options.ScenarioPath,
            };
            var cpuBefore = SampleCpu(silos, pg);
            var report = await SimulationRunner.RunAsync(scenario, run, progress, cancellationToken);
            var cpuAfter = SampleCpu(silos, pg);
            var r = report.Result;
            foreach (var silo in silos.Where(s => s.HasExited))
            {
                throw new FailoverSetupException($"silo #{silo.Index} exited (code {silo.ExitCode}) during the run; the end of {silo.LogPath}:{Environment.NewLine}{silo.LogTail(30)}");
            }
            clean = r.Lost == 0 && r.InvariantViolations == 0;
            return new ScaleStep(size, r.Offered, r.Answered, r.Abandoned, r.Lost, r.InvariantViolations, Math.Round(r.WallSeconds, 2),
                Math.Round(r.CallsPerWallSecond, 2), r.ArrivalPhase is { } a ? Math.Round(a.EndedPerWallSecond, 2) : null,
                r.DecisionLatencyMs.P50, r.DecisionLatencyMs.P99, r.FinishReason, work)
            {
                InvariantDetails = [.. r.InvariantDetails.Take(10)],
                Refused = r.Refused,
                Cpu = ScaleCpu.Between(cpuBefore, cpuAfter, r.Offered - r.Refused),
            };
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
            await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
            await pg.DisposeAsync();
            if (clean)
            {
                // A clean run's database is of no further use; its silo logs stay.
                TryDelete(pg.DataDirectory);
            }
        }
    }

    /// <summary>
    /// The schema, tried up to three times: on a host this loaded, the migration's first connection
    /// to a server that has just started can time out (seen in a test run beside a solution build).
    /// </summary>
    private static async Task MigrateAsync(SiloLaunch launch, TextWriter progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SiloProcess.MigrateAsync(launch, TimeSpan.FromSeconds(180), cancellationToken);
                return;
            }
            catch (FailoverSetupException ex) when (attempt < 3)
            {
                progress.WriteLine($"[scale] migrate attempt {attempt} failed, trying again: {ex.Message.Split('\n')[^1].Trim()}");
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            }
        }
    }

    /// <summary>The silos', the database server's and this process's CPU time so far; null when one cannot be read.</summary>
    private static CpuSample? SampleCpu(IReadOnlyList<SiloProcess> silos, PostgresServer pg)
    {
        var total = TimeSpan.Zero;
        foreach (var silo in silos)
        {
            if (ProcessCpu.Of(silo.Pid) is not { } cpu)
            {
                return null;
            }
            total += cpu;
        }
        var postgres = ProcessCpu.PostmasterOf(pg.DataDirectory) is { } postmaster ? ProcessCpu.TreeOf(postmaster) : null;
        var client = ProcessCpu.Of(Environment.ProcessId);
        return postgres is { } p && client is { } c ? new CpuSample(total, p, c) : null;
    }

    private static double? Ratio(double value, double reference) => reference > 0 ? Math.Round(value / reference, 3) : null;

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
