using System.Globalization;
using CallCenter.LoadTests.Commands;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>
/// <c>wallboard [--circuits 50] [--rate 1000] [--seconds 120] [--out WALLBOARD.json]</c>: the
/// issue's Done-when benchmark, state change to render on real wallboard circuits under
/// simulated traffic.
/// </summary>
public sealed record WallboardOptions
{
    public const int MaxCircuits = 200;

    /// <summary>Wallboard pages (each its own Blazor Server circuit) open in one headless Chromium.</summary>
    public int Circuits { get; init; } = 50;
    /// <summary>Calls per second the simulator offers.</summary>
    public double Rate { get; init; } = 1000;
    /// <summary>Wall seconds of arrivals; probes run from the warm-up's end to the arrivals' end.</summary>
    public double Seconds { get; init; } = 120;
    /// <summary>Arrivals before the first probe, so that the measurement sees the traffic's steady state.</summary>
    public double WarmUpSeconds { get; init; } = 10;
    /// <summary>
    /// The mean gap between two probe flips. A render that comes later than the next flip counts
    /// as missed, so the gap must be well above the latency being measured.
    /// </summary>
    public double ProbeGapSeconds { get; init; } = 2.5;
    /// <summary>The simulated calls' mean handle time; the center is staffed for it.</summary>
    public double HandleSeconds { get; init; } = 5;
    public string? OutPath { get; init; }
    public string? SiloDll { get; init; }
    public string ChromiumPath { get; init; } = "/usr/bin/chromium";

    public static WallboardOptions Parse(IReadOnlyList<string> positional, Dictionary<string, string?> flags)
    {
        if (positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positional[0]}'");
        }
        var options = new WallboardOptions();
        options = options with
        {
            Circuits = (int)(Number(flags, "circuits", 1, MaxCircuits, integer: true) ?? options.Circuits),
            Rate = Number(flags, "rate", 0.1, 100_000) ?? options.Rate,
            Seconds = Number(flags, "seconds", 5, 86_400) ?? options.Seconds,
            WarmUpSeconds = Number(flags, "warm-up-seconds", 0, 3_600) ?? options.WarmUpSeconds,
            ProbeGapSeconds = Number(flags, "probe-gap-seconds", 0.5, 60) ?? options.ProbeGapSeconds,
            HandleSeconds = Number(flags, "handle-seconds", 0.5, 3_600) ?? options.HandleSeconds,
            OutPath = Take(flags, "out"),
            SiloDll = Take(flags, "silo-dll"),
            ChromiumPath = Take(flags, "chromium") ?? options.ChromiumPath,
        };
        if (flags.Count > 0)
        {
            throw new UsageException($"unknown option --{flags.Keys.First()}");
        }
        if (options.WarmUpSeconds + 2 * options.ProbeGapSeconds > options.Seconds)
        {
            throw new UsageException($"--seconds {Text(options.Seconds)} leaves no time for probes after a warm-up of {Text(options.WarmUpSeconds)} s (at least two probe gaps of {Text(options.ProbeGapSeconds)} s)");
        }
        return options;
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Take(Dictionary<string, string?> flags, string name) =>
        flags.Remove(name, out var value) ? value : null;

    private static double? Number(Dictionary<string, string?> flags, string name, double min, double max, bool integer = false)
    {
        if (Take(flags, name) is not { } text)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)
            || (integer && value != Math.Floor(value)))
        {
            throw new UsageException($"--{name}: expected {(integer ? "a whole number" : "a number")}, got '{text}'");
        }
        return value >= min && value <= max ? value : throw new UsageException($"--{name}: must be between {Text(min)} and {Text(max)} (got {text})");
    }
}
