using System.Globalization;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Commands;

/// <summary>A command line that could not be understood: print it and the usage, exit 2.</summary>
public sealed class UsageException(string message) : Exception(message);

public abstract record Command;

public sealed record SimulateCommand(string ScenarioPath, string? OutPath, RunOptions Options, bool Strict, string? CallsCsvPath = null, string? HtmlPath = null) : Command
{
    /// <summary>A loadtests/sip bench folder whose stepped-rate results join the HTML report.</summary>
    public string? SipFolder { get; init; }
}

public sealed record BenchCommand(string? OutPath, int Calls, double? Speed, double RateMultiplier, int Agents, GatewayEndpoint? Join, string Storage = "memory") : Command
{
    /// <summary>Wall seconds of the ping reference (after a one-second warm-up).</summary>
    public double PingSeconds { get; init; } = 5;
    /// <summary>Calls held live to measure memory per call (0: skip).</summary>
    public int LiveCalls { get; init; } = 20_000;
}

public sealed record HelpCommand : Command;

public static class CommandLine
{
    public const string Usage = """
        usage:
          simulate SCENARIO.json [--out RESULT.json] [--join HOST:GATEWAYPORT [--cluster-id ID] [--service-id ID]] [--speed N]
                                 [--drain-seconds N] [--duration-seconds N] [--rate-multiplier M]
                                 [--from-seconds S] [--staff-fraction F] [--calls N]
                                 [--progress-seconds N] [--calls-csv CALLS.csv] [--html REPORT.html] [--sip SIPBENCHDIR] [--strict]
          bench [--out BENCH.json] [--calls N] [--speed S] [--rate-multiplier M] [--agents N] [--storage memory|postgres|both]
                [--ping-seconds S] [--live-calls N]
                [--join HOST:GATEWAYPORT [--cluster-id ID] [--service-id ID]]
          staffing --rate R --aht S [--target 0.8] [--seconds 20] [--patience P]
          failover [--silos N] [--rate R] [--seconds N] [--kill-after S|none] [--pg-outage S] [--out RESULT.json] ... (see loadtests/README.md)
          tickets [--tickets 10000] [--storage postgres] [--restart-at 0.5|none] [--silos 2] [--speed 60] [--reminder-period 20]
                  [--max-wall-lateness 60|none] [--out RESULT.json]
          scale --scenario SCENARIO.json [--silos "1 3"] [--calls N] [--speed S] [--rate-multiplier M] [--drain-seconds N]
                [--out SCALE.json] [--work-dir DIR] [--silo-dll PATH]
          report --sip SIPBENCHDIR [--out REPORT.html]
          wallboard [--circuits 50] [--rate 1000] [--seconds 120] [--out WALLBOARD.json]
                    [--warm-up-seconds 10] [--probe-gap-seconds 2.5] [--handle-seconds 5] [--silo-dll PATH] [--chromium PATH]

        simulate runs a scenario file (see loadtests/scenarios) and writes the result JSON
        (to stdout without --out). With --join it drives a running cluster (cluster and service
        ids of the embedded silo, callcenter-dev / callcenter, unless given) whose clock must run at the
        scenario's speed (start it with: dotnet run --project Silo -- --demo false --clock-speed N).
        Exit codes: 0 ran, 1 failed, 2 bad scenario or arguments, 3 ran with lost calls or
        invariant violations (--strict only).
        bench runs an Orleans ping reference (trivial grains, same silo) and then a built-in
        large scenario, and prints grain messages per second for both and their ratio, calls
        per wall-second, routing decision latency percentiles, bytes allocated per call and
        bytes per live call; --out writes them as BENCH.json.
        staffing answers how many agents reach the target service level at R calls/s and a
        mean handle time of S s (Erlang C; Erlang A too with an exponential patience of mean P s).
        scale runs one scenario against a cluster of each size (silo processes on a private
        PostgreSQL, the simulator joined as a client) and prints calls/s, decision latency p50/p99,
        lost calls and the speed-up over the first size; --out writes them as SCALE.json.
        report turns the folder of loadtests/sip/bench.sh or gateway-bench.sh into an HTML report
        (simulate --sip adds the same section to the run's report).
        wallboard starts the silo with its web site, the simulator at --rate calls/s and --circuits
        wallboard pages in headless Chromium, flips a probe agent and prints state change -> render
        p50 / p95 / max, the achieved calls/s and the CPU load; --out writes them as WALLBOARD.json.
        """;

    public static Command Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            return new HelpCommand();
        }
        var verb = args[0];
        var positional = new List<string>();
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(arg);
                continue;
            }
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            if (flags.ContainsKey(name))
            {
                throw new UsageException($"--{name} given twice");
            }
            if (eq > 0)
            {
                flags[name] = arg[(eq + 1)..];
            }
            else if (name is "strict")
            {
                flags[name] = null;
            }
            else if (i + 1 < args.Count)
            {
                flags[name] = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value");
            }
        }

        return verb switch
        {
            "simulate" => ParseSimulate(positional, flags),
            "bench" => ParseBench(positional, flags),
            "staffing" => ParseStaffing(positional, flags),
            "failover" => new FailoverCommand(global::CallCenter.LoadTests.Failover.FailoverOptions.Parse(positional, flags, args)),
            "tickets" => new TicketsCommand(global::CallCenter.LoadTests.Tickets.TicketBenchOptions.Parse(positional, flags, args)),
            "report" => ParseReport(positional, flags),
            "scale" => new ScaleCommand(global::CallCenter.LoadTests.Scaling.ScaleOptions.Parse(positional, flags)),
            "wallboard" => new WallboardCommand(global::CallCenter.LoadTests.Wallboard.WallboardOptions.Parse(positional, flags)),
            _ => throw new UsageException($"unknown command '{verb}'; expected simulate, bench, staffing, failover, tickets, scale, report or wallboard"),
        };
    }

    private static SimulateCommand ParseSimulate(List<string> positional, Dictionary<string, string?> flags)
    {
        if (positional.Count != 1)
        {
            throw new UsageException(positional.Count == 0 ? "simulate needs a scenario file" : $"unexpected argument '{positional[1]}'");
        }
        var options = new RunOptions
        {
            ScenarioPath = positional[0],
            Join = Endpoint(flags, "join"),
            Speed = Number(flags, "speed", min: 0, exclusive: true),
            DrainSeconds = Number(flags, "drain-seconds", min: 0, exclusive: true),
            DurationSeconds = Number(flags, "duration-seconds", min: 0, exclusive: true),
            FromSeconds = Number(flags, "from-seconds", min: 0, exclusive: false) ?? 0,
            StaffFraction = Number(flags, "staff-fraction", min: 0, exclusive: true) ?? 1,
            Calls = Number(flags, "calls", min: 1, exclusive: false) is { } calls ? (long)calls : null,
            RateMultiplier = Number(flags, "rate-multiplier", min: 0, exclusive: false) ?? 1,
            ProgressInterval = TimeSpan.FromSeconds(Number(flags, "progress-seconds", min: 0.1, exclusive: false) ?? 3),
            ProgressBar = ProgressBar.Wanted(),
        };
        var strict = flags.Remove("strict");
        var outPath = Take(flags, "out");
        var callsCsv = Take(flags, "calls-csv");
        // The HTML report goes beside RESULT.json (same name, .html) unless --html says where.
        var html = Take(flags, "html") ?? (outPath is null ? null : Path.ChangeExtension(outPath, ".html"));
        var sip = Take(flags, "sip");
        if (sip is not null && html is null)
        {
            throw new UsageException("--sip adds a section to the HTML report: give --out or --html too");
        }
        if (options.StaffFraction > 1)
        {
            throw new UsageException($"--staff-fraction: at most 1 (got {options.StaffFraction})");
        }
        Reject(flags, "join", "speed", "drain-seconds", "duration-seconds", "from-seconds", "staff-fraction", "calls", "rate-multiplier", "progress-seconds");
        return new SimulateCommand(positional[0], outPath, options with { KeepCallSamples = callsCsv is not null }, strict, callsCsv, html) { SipFolder = sip };
    }

    private static ReportCommand ParseReport(List<string> positional, Dictionary<string, string?> flags)
    {
        if (positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positional[0]}'");
        }
        var sip = Take(flags, "sip") ?? throw new UsageException("report needs --sip DIR (the --out folder of loadtests/sip/bench.sh)");
        var command = new ReportCommand(sip, Take(flags, "out") ?? Path.Combine(sip, "report.html"));
        Reject(flags);
        return command;
    }

    private static BenchCommand ParseBench(List<string> positional, Dictionary<string, string?> flags)
    {
        if (positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positional[0]}'");
        }
        var command = new BenchCommand(
            Take(flags, "out"),
            (int)(Number(flags, "calls", min: 1, exclusive: false) ?? 60_000),
            Number(flags, "speed", min: 0, exclusive: true),
            Number(flags, "rate-multiplier", min: 0, exclusive: true) ?? 1,
            (int)(Number(flags, "agents", min: 1, exclusive: false) ?? 2_000),
            Endpoint(flags, "join"),
            Take(flags, "storage") ?? "memory")
        {
            PingSeconds = Number(flags, "ping-seconds", min: 0, exclusive: true) ?? 5,
            LiveCalls = (int)(Number(flags, "live-calls", min: 0, exclusive: false) ?? 20_000),
        };
        if (command.Storage is not ("memory" or "postgres" or "both"))
        {
            throw new UsageException($"--storage: '{command.Storage}' is not one of memory, postgres, both");
        }
        if (command.Join is not null && command.Storage != "memory")
        {
            throw new UsageException("--storage: a joined cluster has its own storage; use --storage only with the in-process silo");
        }
        Reject(flags, "calls", "speed", "rate-multiplier", "agents", "join", "storage", "ping-seconds", "live-calls");
        return command;
    }

    private static StaffingCommand ParseStaffing(List<string> positional, Dictionary<string, string?> flags)
    {
        if (positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positional[0]}'");
        }
        var command = new StaffingCommand(
            Number(flags, "rate", min: 0, exclusive: true) ?? throw new UsageException("staffing needs --rate (calls per second)"),
            Number(flags, "aht", min: 0, exclusive: true) ?? throw new UsageException("staffing needs --aht (mean handle time, seconds)"),
            Number(flags, "target", min: 0, exclusive: true) ?? 0.8,
            Number(flags, "seconds", min: 0, exclusive: false) ?? 20,
            Number(flags, "patience", min: 0, exclusive: true));
        if (command.Target >= 1)
        {
            throw new UsageException($"--target: must be < 1 (got {command.Target.ToString(CultureInfo.InvariantCulture)})");
        }
        Reject(flags, "rate", "aht", "target", "seconds", "patience");
        return command;
    }

    private static string? Take(Dictionary<string, string?> flags, string name) =>
        flags.Remove(name, out var value) ? value : null;

    private static void Reject(Dictionary<string, string?> flags, params string[] known)
    {
        foreach (var name in known)
        {
            flags.Remove(name);
        }
        if (flags.Count > 0)
        {
            throw new UsageException($"unknown option --{flags.Keys.First()}");
        }
    }

    private static double? Number(Dictionary<string, string?> flags, string name, double min, bool exclusive)
    {
        if (!flags.TryGetValue(name, out var text))
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new UsageException($"--{name}: expected a number, got '{text}'");
        }
        if (exclusive ? value <= min : value < min)
        {
            throw new UsageException($"--{name}: must be {(exclusive ? ">" : ">=")} {min.ToString(CultureInfo.InvariantCulture)} (got {text})");
        }
        return value;
    }

    private static GatewayEndpoint? Endpoint(Dictionary<string, string?> flags, string name)
    {
        var clusterId = Take(flags, "cluster-id");
        var serviceId = Take(flags, "service-id");
        if (!flags.TryGetValue(name, out var text))
        {
            return clusterId is null && serviceId is null
                ? null
                : throw new UsageException("--cluster-id and --service-id go with --join");
        }
        return GatewayEndpoint.TryParse(text ?? "", out var endpoint)
            ? endpoint with { ClusterId = clusterId ?? endpoint.ClusterId, ServiceId = serviceId ?? endpoint.ServiceId }
            : throw new UsageException($"--{name}: expected HOST:GATEWAYPORT, got '{text}'");
    }
}
