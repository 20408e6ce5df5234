using System.Collections.Immutable;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>A span of opening hours within one local day; <see cref="To"/> is exclusive ("24:00" is the end of the day).</summary>
public sealed record OpeningHours(TimeOnly From, TimeOnly To, bool ToEndOfDay = false)
{
    public bool Contains(TimeOnly time) => time >= From && (ToEndOfDay || time < To);
}

/// <summary>
/// Weekly opening hours plus holidays (closed all day) in the service's own time zone, so a hotline in
/// Asia/Shanghai opens at 08:00 Beijing time wherever the gateway runs.
/// </summary>
public sealed record BusinessCalendar(
    TimeZoneInfo TimeZone,
    ImmutableDictionary<DayOfWeek, ImmutableArray<OpeningHours>> Weekly,
    ImmutableHashSet<DateOnly> Holidays)
{
    public bool IsOpen(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone);
        var day = DateOnly.FromDateTime(local.DateTime);
        if (Holidays.Contains(day))
            return false;
        var time = TimeOnly.FromDateTime(local.DateTime);
        return Weekly.TryGetValue(local.DayOfWeek, out var spans) && spans.Any(s => s.Contains(time));
    }
}
