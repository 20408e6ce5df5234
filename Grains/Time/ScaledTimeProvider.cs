using System.Diagnostics;

namespace CallCenter.Time;

/// <summary>
/// A clock that runs <see cref="Speed"/> times faster than the wall clock, so a simulated hour
/// passes in seconds. Grains read "now" from it and convert their timer durations to wall time
/// with <see cref="TimeProviderExtensions.ToWall"/>; results are reported in scenario time.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly DateTimeOffset _origin;
    private readonly long _startTimestamp;

    public ScaledTimeProvider(DateTimeOffset origin, double speed)
    {
        if (!(speed > 0) || double.IsInfinity(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed must be a positive, finite number");
        }
        _origin = origin;
        Speed = speed;
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    public double Speed { get; }

    public override DateTimeOffset GetUtcNow() =>
        _origin + TimeSpan.FromTicks((long)(Stopwatch.GetElapsedTime(_startTimestamp).Ticks * Speed));

    /// <summary>
    /// What a clock that reads <paramref name="start"/> at the wall instant <paramref name="startedAt"/>
    /// and runs <paramref name="speed"/> times real time reads at the wall instant <paramref name="wall"/>.
    /// Every process given the same three values reads the same instant, whenever it started.
    /// </summary>
    public static DateTimeOffset ReadingAt(DateTimeOffset start, DateTimeOffset startedAt, double speed, DateTimeOffset wall) =>
        start + TimeSpan.FromTicks((long)((wall - startedAt).Ticks * speed));

    public TimeSpan ToWall(TimeSpan scenario) =>
        scenario <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(scenario.Ticks / Speed));

    public TimeSpan ToScenario(TimeSpan wall) => TimeSpan.FromTicks((long)(wall.Ticks * Speed));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan ? span : ToWall(span);
}

public static class TimeProviderExtensions
{
    /// <summary>The wall-clock span a timer must wait for <paramref name="span"/> of this clock's time to pass.</summary>
    public static TimeSpan ToWall(this TimeProvider clock, TimeSpan span) =>
        clock is ScaledTimeProvider scaled ? scaled.ToWall(span) : (span < TimeSpan.Zero ? TimeSpan.Zero : span);
}
