using CallCenter.Stats;

namespace CallCenter.Web.Tests.Stats;

public sealed class HourlyVolumeTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static QueueStatistics Queue(string id, string? region, DateTimeOffset intervalStart, int offered, int answered) => new()
    {
        QueueId = id,
        Region = region,
        At = intervalStart,
        Interval = new PeriodCounters { Start = intervalStart, Offered = offered, Answered = answered },
        Today = new PeriodCounters { Start = Day },
    };

    [Fact]
    public void Intervals_add_up_by_hour_and_scope_and_a_later_report_of_the_same_interval_replaces_the_earlier()
    {
        var hourly = new HourlyVolume();
        hourly.Observe(Queue("hotline-bj", "bj", Day.AddHours(8), 3, 2));
        hourly.Observe(Queue("hotline-bj", "bj", Day.AddHours(8), 5, 4));
        hourly.Observe(Queue("hotline-bj", "bj", Day.AddHours(8).AddMinutes(15), 2, 2));
        hourly.Observe(Queue("hotline-common", null, Day.AddHours(9).AddMinutes(45), 7, 1));
        var today = hourly.Today(Day.AddHours(10));
        Assert.Equal(7, today[HourlyCalls.CenterKey].Offered[8]);
        Assert.Equal(7, today[HourlyCalls.CenterKey].Offered[9]);
        Assert.Equal(6, today[HourlyCalls.RegionKey("bj")].Answered[8]);
        Assert.Equal(0, today[HourlyCalls.RegionKey("bj")].Offered[9]);
        Assert.Equal(7, today[HourlyCalls.QueueKey("hotline-common")].Offered[9]);
        Assert.Equal(24, today[HourlyCalls.CenterKey].Offered.Length);
    }

    [Fact]
    public void Yesterday_drops_out_at_midnight()
    {
        var hourly = new HourlyVolume();
        hourly.Observe(Queue("q", null, Day.AddHours(23), 4, 4));
        Assert.Equal(4, hourly.Today(Day.AddHours(23.5))[HourlyCalls.CenterKey].Offered[23]);
        Assert.Equal(0, hourly.Today(Day.AddDays(1).AddMinutes(1))[HourlyCalls.CenterKey].Offered.Sum());
    }
}
