namespace CallCenter.LoadTests.Tickets;

/// <summary>
/// The accelerated center clock every silo of the run shares: it reads <see cref="Start"/> at the
/// wall instant <see cref="StartedAt"/> and runs <see cref="Speed"/> times faster than real time,
/// across restarts (the silos get the same three values on their command lines).
/// </summary>
public sealed record BenchClock(DateTimeOffset Start, DateTimeOffset StartedAt, double Speed)
{
    public DateTimeOffset Now => At(DateTimeOffset.UtcNow);

    /// <summary>What the center clock reads at wall instant <paramref name="wall"/>.</summary>
    public DateTimeOffset At(DateTimeOffset wall) => CallCenter.Time.ScaledTimeProvider.ReadingAt(Start, StartedAt, Speed, wall);

    /// <summary>The wall instant at which the center clock reads <paramref name="center"/>.</summary>
    public DateTimeOffset WallOf(DateTimeOffset center) => StartedAt + TimeSpan.FromTicks((long)((center - Start).Ticks / Speed));

    public TimeSpan ToWall(TimeSpan center) => TimeSpan.FromTicks((long)(center.Ticks / Speed));

    public IReadOnlyList<string> SiloArguments() =>
    [
        "--clock-speed", Speed.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        "--clock-start", Start.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        "--clock-started-at", StartedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    ];
}
