using System.Diagnostics;
using System.Globalization;
using CallCenter.LoadTests.Hosting;
using Orleans.Runtime;

namespace CallCenter.LoadTests.Failover;

/// <summary>The outcome of a run: the result and the exit code (0 passed, 1 failed).</summary>
public sealed record FailoverReport(FailoverResult Result, int ExitCode);

/// <summary>
/// A failover run end to end: PostgreSQL, the schema, the silos, the client, the center; calls
/// for the run's seconds with a silo killed and/or PostgreSQL stopped on the way; the drain;
/// the reconciliation against call_detail_records. Everything started is stopped in finally
/// blocks, also when the run is cancelled (Ctrl-C, SIGTERM).
/// </summary>
public static class FailoverRun
{
    internal const string ServiceId = "callcenter-failover";
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public static Task<FailoverReport> RunAsync(FailoverOptions options, TextWriter progress, CancellationToken cancellationToken) =>
        // On the thread pool, whatever the caller's synchronization context (a test runner's).
        Task.Run(() => RunCoreAsync(options, progress, cancellationToken), cancellationToken);

    private static async Task<FailoverReport> RunCoreAsync(FailoverOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        ThreadPool.GetMinThreads(out var workers, out var ports);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), ports);

        var root = RepositoryLayout.FindRoot();
        var siloDll = Path.GetFullPath(options.SiloDll ?? RepositoryLayout.SiloDll(root));
        if (!File.Exists(siloDll))
        {
            throw new FailoverSetupException($"the silo build is missing: {siloDll} (build it: dotnet build {Path.Combine(root, "Silo")} -c {RepositoryLayout.BuildOf(AppContext.BaseDirectory).Configuration}, or give --silo-dll)");
        }
        var runTag = $"{DateTime.UtcNow:HHmmss}{Random.Shared.Next(0, 0xfff):x3}";
        var parent = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "callcenter-failover");
        var work = Path.GetFullPath(Path.Combine(parent, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}"));
        Directory.CreateDirectory(work);
        progress.WriteLine($"[failover] work folder {work} (silo logs, client.log, errors.log)");

        var pg = new PostgresServer(RepositoryLayout.PgScript(root), Path.Combine(work, "pgdata"));
        var silos = new List<SiloProcess>();
        ClusterClient? client = null;
        FailoverDriver? driver = null;
        var errors = new ErrorLog(Path.Combine(work, "errors.log"), Stopwatch.GetTimestamp());
        RecoveryMonitor? monitor = null;
        var passed = false;
        try
        {
            // ---- set-up ----
            await pg.StartAsync(cancellationToken);
            progress.WriteLine($"[failover] PostgreSQL on port {pg.Port} ({pg.DataDirectory})");
            var clusterId = $"failover-{runTag}";
            var launch = new SiloLaunch(siloDll, pg.ConnectionString, clusterId, ServiceId, work);
            await SiloProcess.MigrateAsync(launch, TimeSpan.FromSeconds(180), cancellationToken);
            progress.WriteLine("[failover] schema applied (silo migrate)");

            var used = new HashSet<int>();
            for (var i = 0; i < options.Silos; i++)
            {
                silos.Add(SiloProcess.Start(launch, i, FreePort(used), FreePort(used)));
            }
            progress.WriteLine($"[failover] started {silos.Count} silos: {string.Join(", ", silos.Select(s => $"#{s.Index} pid {s.Pid} port {s.SiloPort}/{s.GatewayPort}"))}");
            client = await ConnectAsync(pg.ConnectionString, clusterId, Path.Combine(work, "client.log"), silos, progress, cancellationToken);
            var siloAddresses = await WaitForClusterAsync(client, silos, progress, cancellationToken);

            driver = new FailoverDriver(client.Grains, options, errors, runTag);
            progress.WriteLine($"[failover] seeding {driver.Queues.Count} queues and {driver.AgentCount} agents");
            await driver.SeedAsync(progress, cancellationToken);
            var startup = total.Elapsed.TotalSeconds;

            // ---- the run ----
            progress.WriteLine($"[failover] calls at {options.Rate.ToString(CultureInfo.InvariantCulture)}/s for {options.Seconds} s"
                + (options.KillAfterSeconds is { } k ? $"; kill silo #{options.KillSilo} at {k} s" : "")
                + (options.PgOutageSeconds is { } o ? $"; PostgreSQL down for {o} s at {options.OutageAfterSeconds} s" : ""));
            var marks = new PhaseMarks(driver, errors);
            driver.Start();
            errors.StartClock();
            marks.Add("before-disruption");
            using var runStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timeline = new List<ProgressSample>();
            var progressTask = ReportProgressAsync(driver, errors, timeline, progress, runStop.Token);
            monitor = new RecoveryMonitor(driver, options.RecoveryLimitSeconds);
            var arrivals = driver.RunArrivalsAsync(cancellationToken);

            Task<KilledSilo>? killTask = null;
            if (options.KillAfterSeconds is { } killAfter)
            {
                killTask = KillAsync(killAfter, driver, client, silos[options.KillSilo], siloAddresses, marks, monitor, progress, errors, cancellationToken);
            }
            Task<PgOutage>? outageTask = null;
            if (options.PgOutageSeconds is { } outage)
            {
                // Agents' recovery counts from the kill when there is one, else from the outage.
                outageTask = OutageAsync(options.OutageAfterSeconds!.Value, outage, pg, driver, marks, progress,
                    killTask is null ? monitor : null, cancellationToken);
            }

            await arrivals;
            var runSeconds = driver.Elapsed;
            marks.Add("drain");
            progress.WriteLine($"[failover] arrivals over at {runSeconds:0.0} s: {driver.Placed} placed, {driver.Live} live; draining (up to {options.DrainSeconds} s)");
            var drained = await driver.WaitForDrainAsync(TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken);
            var drainSeconds = driver.Elapsed - runSeconds;
            progress.WriteLine(drained
                ? $"[failover] drained in {drainSeconds:0.0} s"
                : $"[failover] drain gave up after {drainSeconds:0.0} s with {driver.Live} calls live");
            var killed = killTask is null ? null : await killTask;
            var outageResult = outageTask is null ? null : await outageTask;
            if (killTask is not null || outageTask is not null)
            {
                // The agents have until the limit (and some) to agree with their phones.
                await monitor.WaitForRecoveryAsync(TimeSpan.FromSeconds(options.RecoveryLimitSeconds + 30), cancellationToken);
            }
            marks.Add("end");
            var liveAtEnd = driver.Live;
            await runStop.CancelAsync();
            await progressTask;
            await monitor.StopAsync();
            await driver.StopAsync();
            // Replies still in flight settle before the books are closed.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

            // ---- the books ----
            var observations = driver.Observations();
            var expected = observations.Where(o => o.Start != StartStatus.Unconfirmed || o.Notified.Count > 0).Select(o => o.CallId).ToHashSet(StringComparer.Ordinal);
            var cdrStarted = Stopwatch.StartNew();
            var (rows, complete) = await CdrTable.WaitForAsync(pg.ConnectionString, expected, TimeSpan.FromSeconds(options.CdrWaitSeconds), progress, cancellationToken);
            if (!complete)
            {
                progress.WriteLine($"[failover] records still missing after {options.CdrWaitSeconds} s");
            }
            var books = Reconciliation.Reconcile(observations, rows);
            var recovery = monitor.Report();
            if (killed is not null)
            {
                killed = killed with { AgentsRecoverySeconds = monitor.RecoverySecondsOf(killed.AgentIds) };
            }

            var failures = new List<string>();
            if (books.Lost > 0) failures.Add($"{books.Lost} calls lost");
            if (books.Duplicated > 0) failures.Add($"{books.Duplicated} calls duplicated");
            if (killed is not null && (recovery?.Seconds is not { } seconds || seconds > options.RecoveryLimitSeconds))
            {
                failures.Add(recovery?.Seconds is { } late
                    ? $"agents recovered in {late:0.0} s (limit {options.RecoveryLimitSeconds} s)"
                    : "agents did not recover within the run");
            }
            passed = failures.Count == 0;
            var counters = driver.Counters();
            var result = new FailoverResult
            {
                Offered = books.Offered,
                Completed = books.Completed,
                CdrRows = books.CdrRows,
                Lost = books.Lost,
                Duplicated = books.Duplicated,
                RecoverySeconds = killed is null ? null : recovery?.Seconds,
                Passed = passed,
                Failures = failures,
                Placed = counters.Placed,
                Rejected = books.Rejected,
                StartUnconfirmed = books.StartUnconfirmed,
                StartFailed = counters.StartFailed,
                StartRetried = counters.StartRetried,
                Abandoned = books.Abandoned,
                Outcomes = books.Outcomes,
                EndedWithoutNotification = books.EndedWithoutNotification,
                RepeatedNotifications = books.RepeatedNotifications,
                LiveAtEnd = liveAtEnd,
                Settings = Settings(options),
                KilledSilo = killed,
                PgOutage = outageResult,
                Recovery = recovery,
                Phases = marks.Phases(),
                Timeline = timeline,
                LatencyMs = driver.Latencies(),
                Driver = counters,
                Errors = errors.Total,
                ErrorsByKind = errors.Counts,
                Durations = new Durations(Round(startup), Round(runSeconds), Round(drainSeconds), Round(cdrStarted.Elapsed.TotalSeconds), Round(total.Elapsed.TotalSeconds)),
                ProblemCount = books.Problems.Count,
                Problems = [.. books.Problems.Take(200)],
                WorkDirectory = work,
            };
            foreach (var problem in books.Problems.Take(2000))
            {
                errors.Note($"problem {problem.CallId} {problem.Kind}: {problem.Detail}", always: true);
            }
            return new FailoverReport(result, passed ? 0 : 1);
        }
        finally
        {
            if (monitor is not null)
            {
                await monitor.StopAsync();
            }
            if (driver is not null)
            {
                await driver.DisposeAsync();
            }
            if (client is not null)
            {
                await client.DisposeAsync();
            }
            await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
            await pg.DisposeAsync();
            errors.Dispose();
            if (passed)
            {
                // The database of a passed run is of no further use; its logs stay.
                TryDelete(pg.DataDirectory);
            }
            else
            {
                progress.WriteLine($"[failover] kept the database in {pg.DataDirectory} (start it: scripts/pg.sh start {pg.DataDirectory})");
            }
        }
    }

    private static FailoverSettings Settings(FailoverOptions o) => new(
        o.Silos, o.Rate, o.Seconds, o.KillAfterSeconds, o.KillsSilo ? o.KillSilo : null, o.PgOutageSeconds, o.OutageAfterSeconds,
        o.AgentCount, o.Queues, o.TalkSeconds, o.PatienceSeconds, o.DrainSeconds, o.RecoveryLimitSeconds, string.Join(' ', o.Arguments));

    private static double Round(double seconds) => Math.Round(seconds, 2);

    internal static int FreePort(HashSet<int> used)
    {
        while (true)
        {
            var port = SimulationHost.FreeTcpPort();
            if (used.Add(port))
            {
                return port;
            }
        }
    }

    private static void ThrowIfAnySiloExited(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos)
        {
            if (silo.HasExited && !silo.Killed)
            {
                throw new FailoverSetupException($"silo #{silo.Index} exited with code {silo.ExitCode} during start-up; the end of {silo.LogPath}:{Environment.NewLine}{silo.LogTail(30)}");
            }
        }
    }

    internal static async Task<ClusterClient> ConnectAsync(string connectionString, string clusterId, string logPath,
        IReadOnlyList<SiloProcess> silos, TextWriter progress, CancellationToken cancellationToken, TimeSpan? responseTimeout = null)
    {
        var deadline = DateTime.UtcNow + StartupLimit;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            ThrowIfAnySiloExited(silos);
            try
            {
                return await ClusterClient.ConnectAsync(connectionString, clusterId, ServiceId, logPath, cancellationToken, responseTimeout);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
        throw new FailoverSetupException($"the client could not connect to the cluster within {StartupLimit.TotalSeconds:0} s: {last?.Message}", last);
    }

    /// <summary>Waits until every silo is active in the membership table; maps silo addresses to our silos by port.</summary>
    internal static async Task<Dictionary<int, SiloAddress>> WaitForClusterAsync(ClusterClient client, IReadOnlyList<SiloProcess> silos,
        TextWriter progress, CancellationToken cancellationToken)
    {
        var management = client.Client.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + StartupLimit;
        var lastCount = -1;
        while (true)
        {
            ThrowIfAnySiloExited(silos);
            try
            {
                var hosts = await management.GetHosts(onlyActive: true);
                var byPort = silos.ToDictionary(s => s.SiloPort, s => s.Index);
                var found = hosts.Keys.Where(a => byPort.ContainsKey(a.Endpoint.Port)).ToDictionary(a => byPort[a.Endpoint.Port], a => a);
                if (found.Count == silos.Count)
                {
                    progress.WriteLine($"[failover] cluster up: {string.Join(", ", found.OrderBy(f => f.Key).Select(f => $"#{f.Key} {f.Value}"))}");
                    return found;
                }
                if (found.Count != lastCount)
                {
                    lastCount = found.Count;
                    progress.WriteLine($"[failover] {found.Count} of {silos.Count} silos active");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new FailoverSetupException($"only {Math.Max(lastCount, 0)} of {silos.Count} silos became active within {StartupLimit.TotalSeconds:0} s; see the silo logs");
            }
            await Task.Delay(1000, cancellationToken);
        }
    }

    private static async Task ReportProgressAsync(FailoverDriver driver, ErrorLog errors, List<ProgressSample> timeline, TextWriter progress, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var sample = new ProgressSample(Round(driver.Elapsed), driver.Placed, driver.Offered, driver.Ended, driver.Live, errors.Total);
                lock (timeline)
                {
                    timeline.Add(sample);
                }
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{sample.Seconds,6:0.0}s] placed {sample.Placed,7}  offered {sample.Offered,7}  ended {sample.Ended,7}  live {sample.Live,6}  errors {sample.Errors,6}{(driver.ArrivalsDone ? "  (draining)" : "")}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<KilledSilo> KillAsync(int killAfter, FailoverDriver driver, ClusterClient client,
        SiloProcess victim, IReadOnlyDictionary<int, SiloAddress> addresses, PhaseMarks marks, RecoveryMonitor monitor, TextWriter progress,
        ErrorLog errors, CancellationToken cancellationToken)
    {
        // Where things live just before the kill (activations do not move on their own); the
        // survey is cut short at the kill time, which it never delays.
        await DelayUntil(driver, killAfter - 3, cancellationToken);
        var address = addresses[victim.Index];
        SurveyResult survey;
        try
        {
            survey = await ActivationSurvey.TakeAsync(client.Client, driver, address,
                TimeSpan.FromSeconds(Math.Max(0, killAfter - driver.Elapsed)), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            errors.Record("survey", address.ToString(), ex);
            survey = new SurveyResult([], 0, [], false, Complete: false);
        }
        await DelayUntil(driver, killAfter, cancellationToken);

        monitor.Begin("kill");
        victim.Kill();
        var at = driver.Elapsed;
        marks.Add("after-kill");
        errors.Note($"killed silo #{victim.Index} (pid {victim.Pid}, {address})");
        progress.WriteLine($"[failover] killed silo #{victim.Index} (pid {victim.Pid}) at {at:0.0} s: it held {survey.Agents.Count} agents, {survey.Calls} live calls, queues [{string.Join(", ", survey.Queues)}]{(survey.RoutingTable ? " and the routing table" : "")}");

        var declaredDead = await WaitUntilDeclaredDeadAsync(client, address, TimeSpan.FromSeconds(120), cancellationToken);
        progress.WriteLine(declaredDead is { } dead
            ? $"[failover] the cluster declared silo #{victim.Index} dead {dead:0.0} s after the kill"
            : $"[failover] the cluster had not declared silo #{victim.Index} dead 120 s after the kill");
        return new KilledSilo
        {
            Index = victim.Index,
            Pid = victim.Pid,
            SiloPort = victim.SiloPort,
            GatewayPort = victim.GatewayPort,
            AtSeconds = Round(at),
            DeclaredDeadAfterSeconds = declaredDead is { } d ? Round(d) : null,
            Agents = survey.Agents.Count,
            Calls = survey.Calls,
            Queues = survey.Queues,
            RoutingTable = survey.RoutingTable,
            SurveyComplete = survey.Complete,
            AgentIds = survey.Agents,
        };
    }

    private static async Task<double?> WaitUntilDeclaredDeadAsync(ClusterClient client, SiloAddress address, TimeSpan limit, CancellationToken cancellationToken)
    {
        var management = client.Client.GetGrain<IManagementGrain>(0);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            try
            {
                var hosts = await management.GetHosts(onlyActive: false);
                if (hosts.TryGetValue(address, out var status) && status == SiloStatus.Dead)
                {
                    return watch.Elapsed.TotalSeconds;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Informational only; the cluster may be too busy to answer (or answer with a storage error it cannot serialize).
            }
            await Task.Delay(500, cancellationToken);
        }
        return null;
    }

    private static async Task<PgOutage> OutageAsync(int after, int seconds, PostgresServer pg, FailoverDriver driver, PhaseMarks marks,
        TextWriter progress, RecoveryMonitor? monitor, CancellationToken cancellationToken)
    {
        await DelayUntil(driver, after, cancellationToken);
        var stopping = driver.Elapsed;
        monitor?.Begin("pg-outage");
        await pg.StopAsync(cancellationToken);
        var stopped = driver.Elapsed;
        marks.Add("pg-outage");
        progress.WriteLine($"[failover] PostgreSQL stopped at {stopped:0.0} s (took {stopped - stopping:0.0} s)");
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        await pg.StartAsync(cancellationToken);
        var started = driver.Elapsed;
        marks.Add("after-outage");
        progress.WriteLine($"[failover] PostgreSQL started again at {started:0.0} s, down {started - stopped:0.0} s");
        return new PgOutage(Round(stopping), Round(stopped), Round(started - stopped), Round(started));
    }

    private static Task DelayUntil(FailoverDriver driver, double seconds, CancellationToken cancellationToken)
    {
        var wait = seconds - driver.Elapsed;
        return wait > 0 ? Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken) : Task.CompletedTask;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Counter snapshots at the run's turning points, for per-phase rates.</summary>
    private sealed class PhaseMarks(FailoverDriver driver, ErrorLog errors)
    {
        private readonly List<(string Name, double At, long Placed, long Offered, long Ended, long Errors)> _marks = [];

        public void Add(string name)
        {
            lock (_marks)
            {
                _marks.Add((name, driver.Elapsed, driver.Placed, driver.Offered, driver.Ended, errors.Total));
            }
        }

        public IReadOnlyList<PhaseReport> Phases()
        {
            lock (_marks)
            {
                var ordered = _marks.OrderBy(m => m.At).ToList();
                var phases = new List<PhaseReport>();
                for (var i = 0; i + 1 < ordered.Count; i++)
                {
                    var (from, to) = (ordered[i], ordered[i + 1]);
                    phases.Add(new PhaseReport(from.Name, Round(from.At), Round(to.At), to.Placed - from.Placed, to.Offered - from.Offered, to.Ended - from.Ended, to.Errors - from.Errors));
                }
                return phases;
            }
        }
    }
}
