using CallCenter.Stats;

namespace CallCenter.Stats;

/// <summary>Keeps the current 15-minute interval's and today's counters, rolling over by the clock.</summary>
public sealed class PeriodCounter
{
    public static readonly TimeSpan IntervalLength = TimeSpan.FromMinutes(15);

    public PeriodCounters Interval { get; private set; } = new();
    public PeriodCounters Today { get; private set; } = new();

    /// <summary>The start of today and of the current 15-minute interval.</summary>
    public static (DateTimeOffset Day, DateTimeOffset Interval) PeriodStarts(DateTimeOffset now)
    {
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return (day, day + TimeSpan.FromTicks((now - day).Ticks / IntervalLength.Ticks * IntervalLength.Ticks));
    }

    public void Roll(DateTimeOffset now)
    {
        var (day, interval) = PeriodStarts(now);
        if (Today.Start != day)
        {
            Today = new PeriodCounters { Start = day };
        }
        if (Interval.Start != interval)
        {
            Interval = new PeriodCounters { Start = interval };
        }
    }

    public void Add(DateTimeOffset now, Func<PeriodCounters, PeriodCounters> change)
    {
        Roll(now);
        Interval = change(Interval);
        Today = change(Today);
    }
}
