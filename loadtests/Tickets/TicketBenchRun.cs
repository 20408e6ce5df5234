using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Hosting;
using CallCenter.Tickets;
using Npgsql;

namespace CallCenter.LoadTests.Tickets;

/// <summary>The outcome of a ticket benchmark: the result and the exit code (0 passed, 1 failed).</summary>
public sealed record TicketBenchReport(TicketBenchResult Result, int ExitCode);

/// <summary>
/// The ticket restart benchmark end to end: a private PostgreSQL, the schema, silo processes on a
/// shared accelerated clock, a three-level organization, the tickets (created before the office
/// opens and dispatched to a bureau, deadlines spread over a business day), the whole cluster stopped and started again
/// part-way, then the audit of the escalations in the grains' durable state and in ticket_events.
/// Everything started is stopped in finally blocks, also when the run is cancelled.
/// </summary>
public static class TicketBenchRun
{
    private const string ServiceId = "callcenter-tickets";
    private const string Center = "bench-center";
    private const string Supervisor = "bench-supervisor";
    /// <summary>Tickets wait at the bureaus, about a hundred per inbox for 10,000 tickets (an inbox is written whole).</summary>
    private const int Bureaus = 100;
    private const int UnitsPerBureau = 2;
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);
    /// <summary>A Monday: tickets created before the office opens at 09:00 all start their handling period then.</summary>
    private static readonly DateTimeOffset OfficeOpens = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static Task<TicketBenchReport> RunAsync(TicketBenchOptions options, TextWriter progress, CancellationToken cancellationToken) =>
        Task.Run(() => RunCoreAsync(options, progress, cancellationToken), cancellationToken);

    private static async Task<TicketBenchReport> RunCoreAsync(TicketBenchOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        ThreadPool.GetMinThreads(out var workers, out var ports);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), ports);
        var root = RepositoryLayout.FindRoot();
        var siloDll = Path.GetFullPath(options.SiloDll ?? RepositoryLayout.SiloDll(root));
        if (!File.Exists(siloDll))
        {
            throw new FailoverSetupException($"the silo build is missing: {siloDll} (build it: dotnet build {Path.Combine(root, "Silo")} -c Release, or give --silo-dll)");
        }
        var parent = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "callcenter-tickets");
        var work = Path.GetFullPath(Path.Combine(parent, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}"));
        Directory.CreateDirectory(work);
        progress.WriteLine($"[tickets] work folder {work} (silo logs, client.log)");

        var pg = new PostgresServer(RepositoryLayout.PgScript(root), Path.Combine(work, "pgdata"));
        var silos = new List<SiloProcess>();
        ClusterClient? client = null;
        try
        {
            await pg.StartAsync(cancellationToken);
            progress.WriteLine($"[tickets] PostgreSQL on port {pg.Port}");
            var clusterId = $"tickets-{DateTime.UtcNow:HHmmss}{Random.Shared.Next(0, 0xfff):x3}";
            var launch = new SiloLaunch(siloDll, pg.ConnectionString, clusterId, ServiceId, work);
            await SiloProcess.MigrateAsync(launch, StartupLimit, cancellationToken);

            // The clock reaches opening time about when creation is done, whatever the speed.
            var lead = TimeSpan.FromSeconds(20 + options.Tickets / options.CreateRate);
            var clock = new BenchClock(OfficeOpens - TimeSpan.FromTicks((long)(lead.Ticks * options.Speed)), DateTimeOffset.UtcNow, options.Speed);
            var siloArgs = clock.SiloArguments().Concat(
            [
                "--Tickets:ReminderPeriod", TimeSpan.FromSeconds(options.ReminderPeriodSeconds).ToString("c", CultureInfo.InvariantCulture),
                "--Tickets:Supervisor", Supervisor,
            ]).ToList();
            var used = new HashSet<int>();
            StartSilos(launch, options.Silos, siloArgs, silos, used, generation: 0);
            progress.WriteLine($"[tickets] {options.Silos} silos started; center clock x{options.Speed.ToString(CultureInfo.InvariantCulture)} reads {clock.Now:yyyy-MM-dd HH:mm:ss}");
            client = await ConnectAsync(launch, work, silos, cancellationToken);
            await RetryAsync(() => client.Grains.GetTicketOrganization().Configure(Organization(), []), cancellationToken);

            // ---- creation ----
            var created = Stopwatch.StartNew();
            var tickets = new ConcurrentBag<BenchTicket>();
            using (var creationProgress = new Timer(_ => progress.WriteLine($"[tickets] created {tickets.Count}/{options.Tickets}"), null, ProgressEvery, ProgressEvery))
            {
                var grains = client.Grains;
                await Parallel.ForEachAsync(Enumerable.Range(0, options.Tickets), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
                    async (index, ct) => tickets.Add(await CreateAndDispatchAsync(grains, options, index, ct)));
            }
            var createSeconds = created.Elapsed.TotalSeconds;
            var all = tickets.OrderBy(t => t.TicketId, StringComparer.Ordinal).ToList();
            var dues = all.Select(t => t.DueAt).Order().ToList();
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[tickets] {all.Count} tickets created and dispatched in {createSeconds:0.0} s; deadlines {dues[0]:ddd HH:mm} .. {dues[^1]:ddd HH:mm}, center clock now {clock.Now:ddd HH:mm}"));

            // ---- the run, with the restart ----
            RestartFigures? restart = null;
            if (options.RestartAt is { } share)
            {
                var restartAt = dues[Math.Clamp((int)(share * dues.Count), 0, dues.Count - 1)];
                await WaitForCenterTimeAsync(clock, restartAt, pg.ConnectionString, all.Count, progress, cancellationToken);
                var before = await CountAsync(pg.ConnectionString, "Escalated");
                var stoppedAt = clock.Now;
                var wallAt = total.Elapsed.TotalSeconds;
                progress.WriteLine($"[tickets] stopping the whole cluster at {stoppedAt:HH:mm:ss} (center clock), {before} escalations so far");
                await client.DisposeAsync();
                client = null;
                var stop = Stopwatch.StartNew();
                await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(60))));
                var stopSeconds = stop.Elapsed.TotalSeconds;
                silos.Clear();
                var start = Stopwatch.StartNew();
                StartSilos(launch, options.Silos, siloArgs, silos, used, generation: 1);
                client = await ConnectAsync(launch, work, silos, cancellationToken);
                await RetryAsync(() => client.Grains.GetTicketOrganization().Get(), cancellationToken);
                var backAt = clock.Now;
                var startSeconds = start.Elapsed.TotalSeconds;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[tickets] cluster back at {backAt:HH:mm:ss} (center clock): stop {stopSeconds:0.0} s, start {startSeconds:0.0} s"));
                restart = new RestartFigures(Round(wallAt), stoppedAt, backAt, Round(stopSeconds), Round(startSeconds), Round(stopSeconds + startSeconds),
                    (int)before, all.Count(t => t.DueAt > stoppedAt && t.DueAt <= backAt), null);
            }
            await WaitForCenterTimeAsync(clock, dues[^1], pg.ConnectionString, all.Count, progress, cancellationToken);
            // Every past deadline has had a reminder period (and some) to be raised and written.
            var settle = TimeSpan.FromSeconds(options.ReminderPeriodSeconds * 3 + 60);
            await WaitForEscalationsAsync(pg.ConnectionString, all.Count, settle, progress, cancellationToken);
            var asOf = clock.Now;

            // ---- the audit ----
            var calendar = new TicketOptions().BuildCalendar();
            var stateEscalations = await ReadStateAsync(client!.Grains, all, options.Concurrency, cancellationToken);
            var stateAudit = EscalationAudit.Of(all, stateEscalations.Where(e => e.Kind == TicketEventKind.Escalated).Select(e => new FoundEscalation(e.TicketId, e.At)), asOf);
            var historyAudit = EscalationAudit.Of(all, await ReadHistoryAsync(pg.ConnectionString, "Escalated"), asOf);
            var warnings = stateEscalations.Where(e => e.Kind == TicketEventKind.Warned).GroupBy(e => e.TicketId).ToList();
            var escalationAt = stateEscalations.Where(e => e.Kind == TicketEventKind.Escalated).GroupBy(e => e.TicketId).ToDictionary(g => g.Key, g => g.Min(e => e.At));
            var lateness = Lateness(all, escalationAt, calendar, clock);
            var promptness = lateness;
            if (restart is not null)
            {
                var downTickets = all.Where(t => t.DueAt > restart.StoppedAtCenter && t.DueAt <= restart.BackAtCenter).ToList();
                restart = restart with { DueWhileDownLateness = downTickets.Count == 0 ? null : Lateness(downTickets, escalationAt, calendar, clock) };
                // Nothing can escalate while no silo runs: a deadline that passed then counts from the cluster's return.
                var back = restart.BackAtCenter;
                promptness = Lateness([.. all.Select(t => t.DueAt > restart.StoppedAtCenter && t.DueAt <= back ? t with { DueAt = back } : t)], escalationAt, calendar, clock);
            }

            var failures = new List<string>();
            if (!stateAudit.ExactlyOnce) failures.Add($"grain state: {Describe(stateAudit)}");
            if (!historyAudit.ExactlyOnce) failures.Add($"ticket_events: {Describe(historyAudit)}");
            if (warnings.Any(g => g.Count() > 1)) failures.Add($"{warnings.Count(g => g.Count() > 1)} tickets warned more than once");
            if (options.MaxWallLatenessSeconds is { } limit && promptness.WallMaxSeconds > limit)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"the latest escalation came {promptness.WallMaxSeconds:0.0} s (wall) after its due time (or the cluster's return); limit {limit} s"));
            }
            var result = new TicketBenchResult
            {
                Tickets = all.Count,
                Silos = options.Silos,
                Speed = options.Speed,
                ReminderPeriodSeconds = options.ReminderPeriodSeconds,
                FirstDueAt = dues[0],
                LastDueAt = dues[^1],
                CreateSeconds = Round(createSeconds),
                TicketsCreatedPerSecond = Round(all.Count / Math.Max(createSeconds, 0.001)),
                Restart = restart,
                State = Figures(stateAudit),
                History = Figures(historyAudit),
                Lateness = lateness,
                Promptness = promptness,
                Warned = warnings.Count,
                WarningsDuplicated = warnings.Count(g => g.Count() > 1),
                WallSeconds = Round(total.Elapsed.TotalSeconds),
                Passed = failures.Count == 0,
                Failures = failures,
                WorkDirectory = work,
                Arguments = options.Arguments,
            };
            return new TicketBenchReport(result, result.Passed ? 0 : 1);
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
            await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
            await pg.DisposeAsync();
        }
    }

    /// <summary>The center, <see cref="Bureaus"/> bureaus and <see cref="UnitsPerBureau"/> units under each, every one with a head.</summary>
    public static ImmutableArray<Department> Organization() =>
    [
        new(Center, "Benchmark hotline center", DepartmentLevel.Center, null, "bench-center-head"),
        .. Enumerable.Range(0, Bureaus).SelectMany(b => Enumerable.Range(0, UnitsPerBureau)
            .Select(u => new Department(UnitOf(b, u), $"Unit {u} of bureau {b}", DepartmentLevel.Unit, BureauOf(b), $"{UnitOf(b, u)}-head"))
            .Prepend(new Department(BureauOf(b), $"Bureau {b}", DepartmentLevel.Bureau, Center, $"{BureauOf(b)}-head"))),
    ];

    private static string BureauOf(int b) => $"bench-bureau-{b}";

    private static string UnitOf(int b, int u) => $"bench-bureau-{b}-unit-{u}";

    public static string TicketIdOf(int index) => $"bench-{index:D6}";

    /// <summary>Creates ticket <paramref name="index"/> and dispatches it to a bureau; a retried step finds its work done.</summary>
    private static async Task<BenchTicket> CreateAndDispatchAsync(IGrainFactory grains, TicketBenchOptions options, int index, CancellationToken cancellationToken)
    {
        var id = TicketIdOf(index);
        var ticket = grains.GetTicket(id);
        var draft = new TicketDraft
        {
            Category = (TicketCategory)(index % Enum.GetValues<TicketCategory>().Length),
            Customer = $"Customer {index}",
            CustomerNumber = $"+86138{index:D8}",
            Title = $"Benchmark ticket {index}",
            CenterId = Center,
            CreatedBy = "bench",
            HandlingMinutes = options.HandlingMinutesOf(index),
        };
        var createdTicket = await RetryAsync(() => ticket.Create(draft), cancellationToken);
        await DispatchAsync(ticket, new TicketActor("bench-dispatcher", Center), BureauOf(index % Bureaus), cancellationToken);
        return new BenchTicket(id, createdTicket.Deadline!.DueAt);
    }

    private static async Task DispatchAsync(ITicketGrain ticket, TicketActor actor, string department, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ticket.Act(actor, new Dispatch(department));
                return;
            }
            catch (IllegalTicketActionException) when (attempt > 1)
            {
                // An earlier attempt went through and its answer was lost, or the refusal stands.
                if ((await ticket.Get())?.Path.Contains(department) == true)
                {
                    return;
                }
                throw;
            }
            catch (Exception ex) when (ex is not IllegalTicketActionException && attempt < 10 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (ex is not IllegalTicketActionException && attempt < 10 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    private static Task RetryAsync(Func<Task> action, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            await action();
            return true;
        }, cancellationToken);

    private static void StartSilos(SiloLaunch launch, int count, IReadOnlyList<string> args, List<SiloProcess> silos, HashSet<int> used, int generation)
    {
        for (var i = 0; i < count; i++)
        {
            silos.Add(SiloProcess.Start(launch, generation * count + i, FreePort(used), FreePort(used), args));
        }
    }

    private static int FreePort(HashSet<int> used)
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

    private static async Task<ClusterClient> ConnectAsync(SiloLaunch launch, string work, IReadOnlyList<SiloProcess> silos, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartupLimit;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (silos.FirstOrDefault(s => s.HasExited) is { } dead)
            {
                throw new FailoverSetupException($"silo #{dead.Index} exited with code {dead.ExitCode}; the end of {dead.LogPath}:{Environment.NewLine}{dead.LogTail(30)}");
            }
            try
            {
                return await ClusterClient.ConnectAsync(launch.ConnectionString, launch.ClusterId, launch.ServiceId, Path.Combine(work, "client.log"), cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
        throw new FailoverSetupException($"the client could not connect within {StartupLimit.TotalSeconds:0} s: {last?.Message}", last);
    }

    /// <summary>Waits until the center clock reads <paramref name="instant"/>, reporting the escalations written so far.</summary>
    private static async Task WaitForCenterTimeAsync(BenchClock clock, DateTimeOffset instant, string connectionString, int tickets, TextWriter progress, CancellationToken cancellationToken)
    {
        while (clock.Now < instant)
        {
            var wait = clock.WallOf(instant) - DateTimeOffset.UtcNow;
            await Task.Delay(wait < ProgressEvery ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : ProgressEvery, cancellationToken);
            if (clock.Now < instant)
            {
                progress.WriteLine($"[tickets] center clock {clock.Now:ddd HH:mm}: {await CountAsync(connectionString, "Escalated")}/{tickets} escalated, {await CountAsync(connectionString, "Warned")} warned");
            }
        }
    }

    private static async Task WaitForEscalationsAsync(string connectionString, int expected, TimeSpan limit, TextWriter progress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        long count;
        while ((count = await CountAsync(connectionString, "Escalated")) < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        progress.WriteLine($"[tickets] last deadline passed: {count}/{expected} escalations in ticket_events");
    }

    private static async Task<long> CountAsync(string connectionString, string kind)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM ticket_events WHERE kind = @kind", connection);
            command.Parameters.AddWithValue("kind", kind);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (NpgsqlException)
        {
            return -1;
        }
    }

    private static async Task<List<FoundEscalation>> ReadHistoryAsync(string connectionString, string kind)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ticket_id, at FROM ticket_events WHERE kind = @kind", connection);
        command.Parameters.AddWithValue("kind", kind);
        await using var reader = await command.ExecuteReaderAsync();
        var found = new List<FoundEscalation>();
        while (await reader.ReadAsync())
        {
            found.Add(new FoundEscalation(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return found;
    }

    /// <summary>The warnings and escalations in every ticket's durable audit trail (its grain state).</summary>
    private static async Task<List<TicketEvent>> ReadStateAsync(IGrainFactory grains, IReadOnlyList<BenchTicket> tickets, int concurrency, CancellationToken cancellationToken)
    {
        var alerts = new ConcurrentBag<TicketEvent>();
        await Parallel.ForEachAsync(tickets, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (ticket, ct) =>
        {
            foreach (var e in await RetryAsync(() => grains.GetTicket(ticket.TicketId).Events(), ct))
            {
                if (e.Kind is TicketEventKind.Escalated or TicketEventKind.Warned)
                {
                    alerts.Add(e);
                }
            }
        });
        return [.. alerts];
    }

    private static LatenessFigures Lateness(IReadOnlyList<BenchTicket> tickets, Dictionary<string, DateTimeOffset> escalatedAt, BusinessCalendar calendar, BenchClock clock)
    {
        var audit = EscalationAudit.Of(tickets, tickets.Where(t => escalatedAt.ContainsKey(t.TicketId)).Select(t => new FoundEscalation(t.TicketId, escalatedAt[t.TicketId])), DateTimeOffset.MaxValue);
        var business = tickets.Where(t => escalatedAt.ContainsKey(t.TicketId)).Select(t => calendar.Between(t.DueAt, escalatedAt[t.TicketId])).DefaultIfEmpty(TimeSpan.Zero).Max();
        var (p50, p99, max) = (audit.Percentile(0.5), audit.Percentile(0.99), audit.Percentile(1));
        return new LatenessFigures(audit.Lateness.Length,
            Round(p50.TotalSeconds), Round(p99.TotalSeconds), Round(max.TotalSeconds), Round(business.TotalSeconds),
            Round(clock.ToWall(p50).TotalSeconds, 3), Round(clock.ToWall(p99).TotalSeconds, 3), Round(clock.ToWall(max).TotalSeconds, 3));
    }

    private static AuditFigures Figures(EscalationAudit audit) => new(
        audit.PastDeadline, audit.EscalatedOnce, audit.Missing.Length, audit.Duplicated.Length, audit.Early.Length, audit.NotDue.Length, audit.Unknown.Length, audit.ExactlyOnce,
        [.. audit.Missing.Take(5).Select(id => "missing " + id), .. audit.Duplicated.Take(5).Select(id => "duplicated " + id), .. audit.Early.Take(5).Select(id => "early " + id), .. audit.NotDue.Take(5).Select(id => "not due " + id)]);

    private static string Describe(EscalationAudit a) =>
        $"{a.EscalatedOnce}/{a.PastDeadline} exactly once, {a.Missing.Length} missing, {a.Duplicated.Length} duplicated, {a.Early.Length} early, {a.NotDue.Length} not due, {a.Unknown.Length} unknown";

    private static double Round(double value, int digits = 2) => Math.Round(value, digits);
}
