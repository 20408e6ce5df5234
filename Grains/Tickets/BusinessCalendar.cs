using System.Collections.Immutable;
using System.Globalization;

namespace CallCenter.Tickets;

/// <summary>A span of working time on one local day, in minutes from local midnight: [Start, End).</summary>
public readonly record struct WorkingHours(int Start, int End)
{
    public static WorkingHours Parse(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw new FormatException($"Working hours '{text}' are not of the form HH:mm-HH:mm.");
        }
        var hours = new WorkingHours(MinuteOfDay(parts[0]), MinuteOfDay(parts[1]));
        return hours.Start < hours.End
            ? hours
            : throw new FormatException($"Working hours '{text}' end before they start.");
    }

    public override string ToString() => $"{Start / 60:00}:{Start % 60:00}-{End / 60:00}:{End % 60:00}";

    private static int MinuteOfDay(string text)
    {
        // "24:00" closes a day that works until midnight; TimeOnly cannot say that.
        if (text == "24:00")
        {
            return 24 * 60;
        }
        return TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.Hour * 60 + time.Minute
            : throw new FormatException($"'{text}' is not a time of day (HH:mm).");
    }
}

/// <summary>
/// Business time (TKT-3): working hours per weekday in a time zone, minus holidays (one-off dates
/// and dates that recur every year). An instant is business time when its local wall-clock time
/// falls in that local day's working hours and the local date is no holiday; daylight-saving
/// jumps therefore lengthen or shorten a working day exactly as the clock on the wall does.
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>How far ahead a deadline may be searched for: a calendar with no working time in years is a configuration error.</summary>
    private static readonly TimeSpan SearchLimit = TimeSpan.FromDays(3 * 366);

    private readonly ImmutableArray<WorkingHours>[] _week;
    private readonly ImmutableHashSet<DateOnly> _holidays;
    private readonly ImmutableHashSet<(int Month, int Day)> _recurringHolidays;

    public BusinessCalendar(
        TimeZoneInfo zone,
        IReadOnlyDictionary<DayOfWeek, IReadOnlyList<WorkingHours>> week,
        IEnumerable<DateOnly>? holidays = null,
        IEnumerable<(int Month, int Day)>? recurringHolidays = null)
    {
        Zone = zone;
        _week = new ImmutableArray<WorkingHours>[7];
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            var hours = week.TryGetValue(day, out var list) ? list.OrderBy(h => h.Start).ToImmutableArray() : [];
            for (var i = 0; i < hours.Length; i++)
            {
                if (hours[i].Start < 0 || hours[i].End > 24 * 60 || hours[i].Start >= hours[i].End)
                {
                    throw new ArgumentException($"{day}: working hours {hours[i]} are not within one day.", nameof(week));
                }
                if (i > 0 && hours[i].Start < hours[i - 1].End)
                {
                    throw new ArgumentException($"{day}: working hours {hours[i - 1]} and {hours[i]} overlap.", nameof(week));
                }
            }
            _week[(int)day] = hours;
        }
        if (_week.All(h => h.IsEmpty))
        {
            throw new ArgumentException("A business calendar needs working hours on at least one weekday.", nameof(week));
        }
        _holidays = (holidays ?? []).ToImmutableHashSet();
        _recurringHolidays = (recurringHolidays ?? []).ToImmutableHashSet();
        foreach (var (month, day) in _recurringHolidays)
        {
            // 29 February is allowed: it recurs in leap years only.
            _ = new DateOnly(2000, month, day);
        }
    }

    public TimeZoneInfo Zone { get; }

    public ImmutableArray<WorkingHours> HoursOn(DayOfWeek day) => _week[(int)day];

    public bool IsHoliday(DateOnly date) => _holidays.Contains(date) || _recurringHolidays.Contains((date.Month, date.Day));

    /// <summary>The instant at which <paramref name="duration"/> of business time has passed after <paramref name="start"/>.</summary>
    public DateTimeOffset Add(DateTimeOffset start, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (duration == TimeSpan.Zero)
        {
            return start;
        }
        var left = duration;
        foreach (var (from, to) in WorkingSpans(start))
        {
            var length = to - from;
            if (length >= left)
            {
                return from + left;
            }
            left -= length;
        }
        throw new InvalidOperationException($"The calendar has no working time within {SearchLimit.TotalDays:0} days of {start:O}.");
    }

    public DateTimeOffset AddMinutes(DateTimeOffset start, int businessMinutes) => Add(start, TimeSpan.FromMinutes(businessMinutes));

    /// <summary>Business time from <paramref name="from"/> to <paramref name="to"/>; negative when <paramref name="to"/> is earlier.</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from)
        {
            return -Between(to, from);
        }
        var total = TimeSpan.Zero;
        foreach (var (start, end) in WorkingSpans(from))
        {
            if (start >= to)
            {
                break;
            }
            total += (end < to ? end : to) - start;
        }
        return total;
    }

    /// <summary>Business time left until <paramref name="due"/>; negative (overdue) when it has passed.</summary>
    public TimeSpan Remaining(DateTimeOffset now, DateTimeOffset due) => Between(now, due);

    /// <summary>Whether <paramref name="instant"/> is business time.</summary>
    public bool IsWorking(DateTimeOffset instant)
    {
        var local = instant.ToOffset(Zone.GetUtcOffset(instant)).DateTime;
        var date = DateOnly.FromDateTime(local);
        if (IsHoliday(date))
        {
            return false;
        }
        var minute = local.TimeOfDay.TotalMinutes;
        return _week[(int)local.DayOfWeek].Any(h => h.Start <= minute && minute < h.End);
    }

    /// <summary>
    /// The working spans (UTC instants) from <paramref name="start"/> onwards, in order. The UTC line is
    /// cut where the zone's offset changes; within a piece local time is UTC shifted by one offset,
    /// so each local working interval maps to one UTC span.
    /// </summary>
    private IEnumerable<(DateTimeOffset From, DateTimeOffset To)> WorkingSpans(DateTimeOffset start)
    {
        var cursor = start.ToUniversalTime();
        var limit = cursor + SearchLimit;
        while (cursor < limit)
        {
            var offset = Zone.GetUtcOffset(cursor);
            var pieceEnd = NextOffsetChange(cursor, offset);
            var localFrom = cursor.DateTime + offset;
            var localTo = pieceEnd.DateTime + offset;
            for (var day = localFrom.Date; day < localTo; day = day.AddDays(1))
            {
                if (IsHoliday(DateOnly.FromDateTime(day)))
                {
                    continue;
                }
                foreach (var hours in _week[(int)day.DayOfWeek])
                {
                    var from = day.AddMinutes(hours.Start);
                    var to = day.AddMinutes(hours.End);
                    if (from < localFrom)
                    {
                        from = localFrom;
                    }
                    if (to > localTo)
                    {
                        to = localTo;
                    }
                    if (from < to)
                    {
                        yield return (new DateTimeOffset(from - offset, TimeSpan.Zero), new DateTimeOffset(to - offset, TimeSpan.Zero));
                    }
                }
            }
            cursor = pieceEnd;
        }
    }

    /// <summary>The first instant after <paramref name="from"/> (at most a day later) where the zone's offset is no longer <paramref name="offset"/>.</summary>
    private DateTimeOffset NextOffsetChange(DateTimeOffset from, TimeSpan offset)
    {
        var high = from.AddDays(1);
        if (Zone.GetUtcOffset(high) == offset)
        {
            // Zones change offset at most once in a day, so an equal offset a day later means no change between.
            return high;
        }
        var low = from;
        while (high - low > TimeSpan.FromTicks(1))
        {
            var middle = low + (high - low) / 2;
            if (Zone.GetUtcOffset(middle) == offset)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return high;
    }
}
