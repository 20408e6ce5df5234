using System.Globalization;
using CallCenter.LoadTests.Commands;

namespace CallCenter.LoadTests.Scaling;

/// <summary>
/// <c>scale --scenario FILE --silos "1 3" [--calls N] [--speed S] [--rate-multiplier M] [--out SCALE.json]</c>:
/// the same scenario against clusters of each size in turn.
/// </summary>
public sealed record ScaleOptions
{
    public required string ScenarioPath { get; init; }
    /// <summary>Cluster sizes, run in this order; the speed-up is each one's calls per second over the first's.</summary>
    public IReadOnlyList<int> Silos { get; init; } = [1, 3];
    /// <summary>Stop arrivals once about this many calls were offered (null: the scenario's own duration).</summary>
    public long? Calls { get; init; }
    public double? Speed { get; init; }
    public double RateMultiplier { get; init; } = 1;
    public double? DrainSeconds { get; init; }
    public string? OutPath { get; init; }
    /// <summary>Parent of the run's folder (PostgreSQL data, silo logs); a temporary folder by default.</summary>
    public string? WorkDirectory { get; init; }
    public string? SiloDll { get; init; }
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    public const int MaxSilos = 8;

    public static ScaleOptions Parse(IReadOnlyList<string> positional, Dictionary<string, string?> flags)
    {
        var scenario = Take(flags, "scenario");
        if (positional.Count > (scenario is null ? 1 : 0))
        {
            throw new UsageException($"unexpected argument '{positional[^1]}'");
        }
        scenario ??= positional.Count == 1 ? positional[0] : throw new UsageException("scale needs --scenario FILE");
        var options = new ScaleOptions
        {
            ScenarioPath = scenario,
            Silos = Take(flags, "silos") is { } silos ? ParseSizes(silos) : [1, 3],
            Calls = Number(flags, "calls", 1) is { } calls ? (long)calls : null,
            Speed = Number(flags, "speed", double.Epsilon),
            RateMultiplier = Number(flags, "rate-multiplier", double.Epsilon) ?? 1,
            DrainSeconds = Number(flags, "drain-seconds", double.Epsilon),
            OutPath = Take(flags, "out"),
            WorkDirectory = Take(flags, "work-dir"),
            SiloDll = Take(flags, "silo-dll"),
            ProgressInterval = TimeSpan.FromSeconds(Number(flags, "progress-seconds", 0.1) ?? 5),
        };
        if (flags.Count > 0)
        {
            throw new UsageException($"unknown option --{flags.Keys.First()}");
        }
        return options;
    }

    /// <summary>"1 3" or "1,3": each size 1..<see cref="MaxSilos"/>, no repeats.</summary>
    public static IReadOnlyList<int> ParseSizes(string text)
    {
        var parts = text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new UsageException("--silos: expected cluster sizes such as \"1 3\"");
        }
        var sizes = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is < 1 or > MaxSilos)
            {
                throw new UsageException($"--silos: '{part}' is not a cluster size between 1 and {MaxSilos}");
            }
            if (sizes.Contains(size))
            {
                throw new UsageException($"--silos: {size} given twice");
            }
            sizes.Add(size);
        }
        return sizes;
    }

    private static string? Take(Dictionary<string, string?> flags, string name) =>
        flags.Remove(name, out var value) ? value : null;

    private static double? Number(Dictionary<string, string?> flags, string name, double min)
    {
        if (Take(flags, name) is not { } text)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new UsageException($"--{name}: expected a number, got '{text}'");
        }
        return value >= min ? value : throw new UsageException($"--{name}: must be positive (got {text})");
    }
}
