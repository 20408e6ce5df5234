using System.Globalization;
using CallCenter.LoadTests.Commands;

namespace CallCenter.LoadTests.Failover;

/// <summary>
/// The failover run: <see cref="Silos"/> silo processes on one PostgreSQL server, Poisson calls at
/// <see cref="Rate"/> per second for <see cref="Seconds"/>, one silo killed with SIGKILL at
/// <see cref="KillAfterSeconds"/> and/or PostgreSQL stopped for <see cref="PgOutageSeconds"/> at
/// <see cref="OutageAfterSeconds"/>, then a drain and the reconciliation against the CDR table.
/// </summary>
public sealed record FailoverOptions
{
    public const int DefaultSilos = 3;
    public const double DefaultRate = 100;
    public const int DefaultSeconds = 60;
    public const int DefaultQueues = 4;
    public const double DefaultTalkSeconds = 2.5;
    public const double DefaultPatienceSeconds = 30;
    public const int DefaultDrainSeconds = 120;
    public const int DefaultRecoveryLimitSeconds = 30;
    public const int DefaultCdrWaitSeconds = 90;
    /// <summary>The phones answer a ring after a uniform delay in this range.</summary>
    public const double AnswerDelayMinSeconds = 0.2;
    public const double AnswerDelayMaxSeconds = 0.5;
    /// <summary>Agents are sized for this occupancy (rate x (answer delay + mean talk) / occupancy).</summary>
    public const double TargetOccupancy = 0.85;

    public int Silos { get; init; } = DefaultSilos;
    public double Rate { get; init; } = DefaultRate;
    public int Seconds { get; init; } = DefaultSeconds;
    /// <summary>When a silo is killed, in seconds from the first arrival; null: no silo is killed.</summary>
    public int? KillAfterSeconds { get; init; }
    /// <summary>Which silo (0-based, in start order) is killed.</summary>
    public int KillSilo { get; init; } = 1;
    /// <summary>How long PostgreSQL is stopped; null: no outage.</summary>
    public int? PgOutageSeconds { get; init; }
    public int? OutageAfterSeconds { get; init; }
    public int Queues { get; init; } = DefaultQueues;
    /// <summary>Null: sized from the rate for about 85 % occupancy.</summary>
    public int? Agents { get; init; }
    public double TalkSeconds { get; init; } = DefaultTalkSeconds;
    public double PatienceSeconds { get; init; } = DefaultPatienceSeconds;
    public int DrainSeconds { get; init; } = DefaultDrainSeconds;
    public int RecoveryLimitSeconds { get; init; } = DefaultRecoveryLimitSeconds;
    public int CdrWaitSeconds { get; init; } = DefaultCdrWaitSeconds;
    public string? OutPath { get; init; }
    public string? WorkDirectory { get; init; }
    /// <summary>The silo to start; by default the build of the Silo project next to this tool's.</summary>
    public string? SiloDll { get; init; }
    /// <summary>The arguments as given, for the result.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public bool KillsSilo => KillAfterSeconds is not null;

    public int AgentCount => Agents ?? SizeAgents(Rate, TalkSeconds, Queues);

    /// <summary>Erlang-style sizing: offered load / target occupancy, at least two agents per queue.</summary>
    public static int SizeAgents(double rate, double talkSeconds, int queues)
    {
        var busySecondsPerCall = (AnswerDelayMinSeconds + AnswerDelayMaxSeconds) / 2 + talkSeconds;
        var agents = (int)Math.Ceiling(rate * busySecondsPerCall / TargetOccupancy);
        return Math.Max(agents, 2 * queues);
    }

    public static readonly string[] Known =
    [
        "silos", "rate", "seconds", "kill-after", "kill-silo", "pg-outage", "outage-after", "queues", "agents",
        "talk-seconds", "patience-seconds", "drain-seconds", "recovery-limit", "cdr-wait-seconds", "out", "work-dir", "silo-dll",
    ];

    public const string Usage = """
          failover [--silos N] [--rate CALLS_PER_S] [--seconds N] [--kill-after S|none] [--kill-silo I]
                   [--pg-outage S] [--outage-after S] [--out RESULT.json] [--work-dir DIR]
                   [--agents N] [--queues N] [--talk-seconds S] [--patience-seconds S]
                   [--drain-seconds S] [--recovery-limit S] [--cdr-wait-seconds S] [--silo-dll PATH]
        """;

    /// <summary>
    /// Reads and checks every option; each problem is a <see cref="UsageException"/> naming the option.
    /// A kill happens at --kill-after, or at a third of the run when neither --kill-after nor
    /// --pg-outage is given; "--kill-after none" turns it off.
    /// </summary>
    public static FailoverOptions Parse(IReadOnlyList<string> positional, IDictionary<string, string?> flags, IReadOnlyList<string>? arguments = null)
    {
        if (positional.Count > 0)
        {
            throw new UsageException($"failover: unexpected argument '{positional[0]}'");
        }
        foreach (var name in flags.Keys)
        {
            if (!Known.Contains(name, StringComparer.Ordinal))
            {
                throw new UsageException($"unknown option --{name} for failover");
            }
        }

        var seconds = Integer(flags, "seconds", min: 1) ?? DefaultSeconds;
        var pgOutage = Integer(flags, "pg-outage", min: 1);
        int? killAfter;
        if (flags.TryGetValue("kill-after", out var killText) && killText is "none" or "off")
        {
            killAfter = null;
        }
        else
        {
            killAfter = Integer(flags, "kill-after", min: 1);
            if (killAfter is null && pgOutage is null)
            {
                killAfter = seconds / 3;
                if (killAfter < 1)
                {
                    throw new UsageException($"--seconds: {seconds} is too short to kill a silo during the run (give at least 3, or --kill-after none)");
                }
            }
        }
        if (killAfter is { } kill && kill >= seconds)
        {
            throw new UsageException($"--kill-after: must be less than --seconds ({kill} >= {seconds}): the kill happens while calls arrive");
        }

        var silos = Integer(flags, "silos", min: 1) ?? DefaultSilos;
        if (silos > 16)
        {
            throw new UsageException($"--silos: at most 16 (got {silos})");
        }
        if (killAfter is not null && silos < 2)
        {
            throw new UsageException($"--silos: killing a silo needs at least 2 silos (got {silos}); add --kill-after none to run without a kill");
        }
        var killSilo = Integer(flags, "kill-silo", min: 0);
        if (killSilo is not null && killAfter is null)
        {
            throw new UsageException("--kill-silo: no silo is killed in this run (it needs --kill-after)");
        }
        if (killSilo is { } index && index >= silos)
        {
            throw new UsageException($"--kill-silo: must be below --silos ({index} >= {silos}); silos are numbered from 0");
        }

        var outageAfter = Integer(flags, "outage-after", min: 1);
        if (outageAfter is not null && pgOutage is null)
        {
            throw new UsageException("--outage-after: needs --pg-outage (how long PostgreSQL stays down)");
        }
        if (pgOutage is not null)
        {
            outageAfter ??= killAfter ?? seconds / 3;
            if (outageAfter < 1)
            {
                throw new UsageException($"--seconds: {seconds} is too short for a PostgreSQL outage during the run (give at least 3, or --outage-after)");
            }
            if (outageAfter >= seconds)
            {
                throw new UsageException($"--outage-after: must be less than --seconds ({outageAfter} >= {seconds}): the outage starts while calls arrive");
            }
        }

        var rate = Number(flags, "rate", min: 0, exclusive: true) ?? DefaultRate;
        if (rate > 100_000)
        {
            throw new UsageException($"--rate: at most 100000 calls per second (got {rate.ToString(CultureInfo.InvariantCulture)})");
        }
        var queues = Integer(flags, "queues", min: 1) ?? DefaultQueues;
        if (queues > 1000)
        {
            throw new UsageException($"--queues: at most 1000 (got {queues})");
        }
        var agents = Integer(flags, "agents", min: 1);
        if (agents is { } count && count < queues)
        {
            throw new UsageException($"--agents: at least one agent per queue ({count} < --queues {queues})");
        }
        var talk = Number(flags, "talk-seconds", min: 0, exclusive: true) ?? DefaultTalkSeconds;
        var patience = Number(flags, "patience-seconds", min: 0, exclusive: true) ?? DefaultPatienceSeconds;
        var drain = Integer(flags, "drain-seconds", min: 1) ?? DefaultDrainSeconds;
        var recoveryLimit = Integer(flags, "recovery-limit", min: 1) ?? DefaultRecoveryLimitSeconds;
        var cdrWait = Integer(flags, "cdr-wait-seconds", min: 1) ?? DefaultCdrWaitSeconds;
        var outPath = Text(flags, "out");
        var workDir = Text(flags, "work-dir");
        var siloDll = Text(flags, "silo-dll");

        var options = new FailoverOptions
        {
            Silos = silos,
            Rate = rate,
            Seconds = seconds,
            KillAfterSeconds = killAfter,
            KillSilo = killSilo ?? Math.Min(1, silos - 1),
            PgOutageSeconds = pgOutage,
            OutageAfterSeconds = pgOutage is null ? null : outageAfter,
            Queues = queues,
            Agents = agents,
            TalkSeconds = talk,
            PatienceSeconds = patience,
            DrainSeconds = drain,
            RecoveryLimitSeconds = recoveryLimit,
            CdrWaitSeconds = cdrWait,
            OutPath = outPath,
            WorkDirectory = workDir,
            SiloDll = siloDll,
            Arguments = arguments ?? [],
        };
        if (options.AgentCount > 50_000)
        {
            throw new UsageException($"--rate: {rate.ToString(CultureInfo.InvariantCulture)} calls/s needs {options.AgentCount} agents; at most 50000 (lower --rate or --talk-seconds, or give --agents)");
        }
        return options;
    }

    private static string? Text(IDictionary<string, string?> flags, string name)
    {
        if (!flags.TryGetValue(name, out var text))
        {
            return null;
        }
        return string.IsNullOrWhiteSpace(text) ? throw new UsageException($"--{name}: must not be empty") : text;
    }

    private static int? Integer(IDictionary<string, string?> flags, string name, int min)
    {
        if (!flags.TryGetValue(name, out var text))
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new UsageException($"--{name}: expected a whole number, got '{text}'");
        }
        if (value < min)
        {
            throw new UsageException($"--{name}: must be {(min == 1 ? "positive" : $">= {min}")} (got {text})");
        }
        return value;
    }

    private static double? Number(IDictionary<string, string?> flags, string name, double min, bool exclusive)
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
}
