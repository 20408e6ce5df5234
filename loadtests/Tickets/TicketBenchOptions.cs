using System.Globalization;
using CallCenter.LoadTests.Commands;

namespace CallCenter.LoadTests.Tickets;

/// <summary>
/// The ticket restart benchmark: <see cref="Tickets"/> open tickets whose deadlines are spread over
/// one business day, on silo processes sharing one accelerated clock (<see cref="Speed"/> times
/// real time) on a private PostgreSQL; the whole cluster is stopped and started again when
/// <see cref="RestartAt"/> of the deadlines have passed.
/// </summary>
public sealed record TicketBenchOptions
{
    public const int DefaultTickets = 10_000;
    public const int DefaultSilos = 2;
    public const double DefaultSpeed = 60;
    public const double DefaultRestartAt = 0.5;
    public const int DefaultReminderPeriodSeconds = 20;
    public const int DefaultConcurrency = 32;
    public const double DefaultMaxWallLatenessSeconds = 60;
    public const double DefaultCreateRate = 25;
    /// <summary>A business day of the default calendar (09:00-12:00, 13:00-18:00): deadlines fall within it.</summary>
    public const int BusinessDayMinutes = 8 * 60;

    public int Tickets { get; init; } = DefaultTickets;
    public string Storage { get; init; } = "postgres";
    public int Silos { get; init; } = DefaultSilos;
    /// <summary>How many times faster than real time the center's clock runs.</summary>
    public double Speed { get; init; } = DefaultSpeed;
    /// <summary>Share of the deadlines passed when the cluster is stopped and started again; null: no restart.</summary>
    public double? RestartAt { get; init; } = DefaultRestartAt;
    /// <summary>The tickets' reminder period (wall seconds): how late an alert can be whose tick the restart swallowed.</summary>
    public int ReminderPeriodSeconds { get; init; } = DefaultReminderPeriodSeconds;
    /// <summary>Tickets created (and dispatched) at the same time.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;
    /// <summary>The run fails when an escalation is later than this in wall seconds; null: lateness is only reported.</summary>
    public double? MaxWallLatenessSeconds { get; init; } = DefaultMaxWallLatenessSeconds;
    /// <summary>
    /// Tickets per wall second the creation is assumed to reach: the clock starts early enough that
    /// creation ends before the office opens, so every handling period starts at opening time.
    /// </summary>
    public double CreateRate { get; init; } = DefaultCreateRate;
    /// <summary>Business minutes between the shortest and the longest handling period handed out.</summary>
    public int SpreadMinutes { get; init; } = BusinessDayMinutes;
    public string? OutPath { get; init; }
    public string? WorkDirectory { get; init; }
    public string? SiloDll { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The handling period of ticket <paramref name="index"/>: spread evenly over <see cref="SpreadMinutes"/> business minutes.</summary>
    public int HandlingMinutesOf(int index) => 1 + (int)((long)index * (SpreadMinutes - 1) / Math.Max(1, Tickets - 1));

    public static TicketBenchOptions Parse(IReadOnlyList<string> positional, Dictionary<string, string?> flags, IReadOnlyList<string> arguments)
    {
        if (positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positional[0]}'");
        }
        var options = new TicketBenchOptions
        {
            Tickets = Int(flags, "tickets", 1, 1_000_000) ?? DefaultTickets,
            Storage = Take(flags, "storage") ?? "postgres",
            Silos = Int(flags, "silos", 1, 8) ?? DefaultSilos,
            Speed = Double(flags, "speed", 1, 3600) ?? DefaultSpeed,
            RestartAt = flags.TryGetValue("restart-at", out var restart) && restart == "none" ? null : Double(flags, "restart-at", 0, 1) ?? DefaultRestartAt,
            ReminderPeriodSeconds = Int(flags, "reminder-period", 1, 600) ?? DefaultReminderPeriodSeconds,
            Concurrency = Int(flags, "concurrency", 1, 1024) ?? DefaultConcurrency,
            MaxWallLatenessSeconds = flags.TryGetValue("max-wall-lateness", out var limit) && limit == "none" ? null : Double(flags, "max-wall-lateness", 0, 86_400) ?? DefaultMaxWallLatenessSeconds,
            SpreadMinutes = Int(flags, "spread-minutes", 1, 100_000) ?? BusinessDayMinutes,
            CreateRate = Double(flags, "create-rate", 0.1, 100_000) ?? DefaultCreateRate,
            OutPath = Take(flags, "out"),
            WorkDirectory = Take(flags, "work-dir"),
            SiloDll = Take(flags, "silo-dll"),
            Arguments = arguments,
        };
        flags.Remove("restart-at");
        flags.Remove("max-wall-lateness");
        if (options.Storage != "postgres")
        {
            throw new UsageException($"--storage: '{options.Storage}' cannot survive the restart this benchmark makes; use postgres");
        }
        if (flags.Count > 0)
        {
            throw new UsageException($"unknown option --{flags.Keys.First()} for tickets");
        }
        return options;
    }

    private static string? Take(Dictionary<string, string?> flags, string name) => flags.Remove(name, out var value) ? value : null;

    private static int? Int(Dictionary<string, string?> flags, string name, int min, int max)
    {
        if (Take(flags, name) is not { } text)
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name}: expected a whole number in {min}..{max}, got '{text}'");
    }

    private static double? Double(Dictionary<string, string?> flags, string name, double min, double max)
    {
        if (Take(flags, name) is not { } text)
        {
            return null;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name}: expected a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
    }
}
