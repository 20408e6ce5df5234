using CallCenter.Tickets;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// Deadline math against a brute-force oracle that walks the clock minute by minute and asks, for
/// each minute, whether its local wall-clock time is working time. Random calendars: random
/// weekly hours, one-off and recurring holidays, and zones with fixed offsets or daylight saving
/// (including one that jumps in the middle of a working morning).
/// </summary>
public sealed class BusinessCalendarProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 20, 0, 0, 0, TimeSpan.Zero);

    private static readonly TimeZoneInfo[] Zones =
    [
        TimeZoneInfo.Utc,
        TimeZoneInfo.CreateCustomTimeZone("Test/Plus8", TimeSpan.FromHours(8), "UTC+8", "UTC+8"),
        TimeZoneInfo.CreateCustomTimeZone("Test/Minus3:30", TimeSpan.FromMinutes(-210), "UTC-3:30", "UTC-3:30"),
        DaylightZone("Test/EuropeLike", TimeSpan.FromHours(1), new DateTime(1, 1, 1, 2, 0, 0), 3, new DateTime(1, 1, 1, 3, 0, 0), 10),
        // Springs forward at 10:30 and falls back at 11:00 local, inside working hours, within the days tested.
        DaylightZone("Test/MidMorning", TimeSpan.FromHours(-5), new DateTime(1, 1, 1, 10, 30, 0), 3, new DateTime(1, 1, 1, 11, 0, 0), 4),
    ];

    private static TimeZoneInfo DaylightZone(string id, TimeSpan baseOffset, DateTime springAt, int springMonth, DateTime fallAt, int fallMonth)
    {
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            new DateTime(2000, 1, 1), new DateTime(2099, 12, 31), TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(springAt, springMonth, 4, DayOfWeek.Sunday),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(fallAt, fallMonth, 1, DayOfWeek.Sunday));
        return TimeZoneInfo.CreateCustomTimeZone(id, baseOffset, id, id, id + " summer", [rule]);
    }

    private static readonly Gen<WorkingHours[]> DayHours =
        from count in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Constant(2)))
        from cuts in Gen.Choose(0, 24 * 4).ArrayOf(count * 2)
        select Enumerable.Range(0, count)
            .Select(i => cuts.Order().Distinct().ToArray())
            .Take(1)
            .SelectMany(sorted => Enumerable.Range(0, sorted.Length / 2).Select(i => new WorkingHours(sorted[2 * i] * 15, sorted[2 * i + 1] * 15)))
            .ToArray();

    private static readonly Arbitrary<(BusinessCalendar Calendar, DateTimeOffset Start, int Minutes)> Cases =
        (from zone in Gen.Elements(Zones)
         from week in DayHours.ArrayOf(7)
         from holidayDays in Gen.Choose(0, 60).ArrayOf().Select(a => a.Take(8).ToArray())
         from recurring in Gen.Choose(0, 60).ArrayOf().Select(a => a.Take(3).ToArray())
         from startMinute in Gen.Choose(0, 40 * 24 * 60)
         from minutes in Gen.Choose(0, 900)
         where week.Any(d => d.Length > 0)
         let calendar = new BusinessCalendar(
             zone,
             Enumerable.Range(0, 7).ToDictionary(d => (DayOfWeek)d, d => (IReadOnlyList<WorkingHours>)week[d]),
             holidayDays.Select(d => DateOnly.FromDateTime(Origin.DateTime.AddDays(d))),
             recurring.Select(d => Origin.DateTime.AddDays(d)).Select(d => (d.Month, d.Day)))
         select (calendar, Origin.AddMinutes(startMinute), minutes)).ToArbitrary();

    /// <summary>The minute starting at <paramref name="minute"/> is business time when its local wall-clock time is.</summary>
    private static bool OracleWorking(BusinessCalendar calendar, DateTimeOffset minute)
    {
        var local = TimeZoneInfo.ConvertTime(minute, calendar.Zone).DateTime;
        if (calendar.IsHoliday(DateOnly.FromDateTime(local)))
        {
            return false;
        }
        var m = local.Hour * 60 + local.Minute;
        return calendar.HoursOn(local.DayOfWeek).Any(h => h.Start <= m && m < h.End);
    }

    private static DateTimeOffset OracleAdd(BusinessCalendar calendar, DateTimeOffset start, int minutes)
    {
        var at = start;
        for (var counted = 0; counted < minutes; at = at.AddMinutes(1))
        {
            if (OracleWorking(calendar, at))
            {
                counted++;
            }
        }
        return at;
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Adding_business_minutes_matches_the_minute_walk() =>
        Prop.ForAll(Cases, c =>
        {
            var due = c.Calendar.AddMinutes(c.Start, c.Minutes);
            Assert.Equal(OracleAdd(c.Calendar, c.Start, c.Minutes), due);
            Assert.Equal(TimeSpan.FromMinutes(c.Minutes), c.Calendar.Between(c.Start, due));
            Assert.Equal(-TimeSpan.FromMinutes(c.Minutes), c.Calendar.Remaining(due, c.Start));
        });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Business_time_between_two_instants_matches_the_minute_walk() =>
        Prop.ForAll(Cases, Gen.Choose(0, 5 * 24 * 60).ToArbitrary(), (c, span) =>
        {
            var end = c.Start.AddMinutes(span);
            var counted = 0;
            for (var at = c.Start; at < end; at = at.AddMinutes(1))
            {
                if (OracleWorking(c.Calendar, at))
                {
                    counted++;
                }
                Assert.Equal(OracleWorking(c.Calendar, at), c.Calendar.IsWorking(at));
            }
            Assert.Equal(TimeSpan.FromMinutes(counted), c.Calendar.Between(c.Start, end));
        });

    [Fact]
    public void A_deadline_skips_the_night_the_weekend_and_a_holiday()
    {
        var options = new TicketOptions { TimeZone = "UTC", Holidays = ["2026-11-30", "12-25"] };
        var calendar = options.BuildCalendar();
        // Friday 17:00, one business hour left on Friday; Monday 30 November is a holiday.
        var friday = new DateTimeOffset(2026, 11, 27, 17, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), calendar.AddMinutes(friday, 120));
        Assert.False(calendar.IsWorking(new DateTimeOffset(2027, 12, 25, 10, 0, 0, TimeSpan.Zero).AddDays(-1).AddDays(1)));
    }

    [Fact]
    public void Bad_calendar_options_are_reported()
    {
        Assert.NotEmpty(new TicketOptions { TimeZone = "Nowhere/Atlantis" }.Validate());
        Assert.NotEmpty(new TicketOptions { WorkingHours = new() { ["Monday"] = "17:00-09:00" } }.Validate());
        Assert.NotEmpty(new TicketOptions { WorkingHours = new() { ["Funday"] = "09:00-17:00" } }.Validate());
        Assert.NotEmpty(new TicketOptions { WorkingHours = new() }.Validate());
        Assert.NotEmpty(new TicketOptions { Holidays = ["13-45"] }.Validate());
        Assert.NotEmpty(new TicketOptions { WarningShare = 1.2 }.Validate());
        Assert.Empty(new TicketOptions().Validate());
    }
}
