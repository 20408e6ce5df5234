using System.Collections.Immutable;
using CallCenter.Agents;
using CallCenter.Stats;
using CallCenter.Web.Wallboard;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Wallboard;

public sealed class WallboardFiguresTests
{
    private static readonly Gen<double> Share = Gen.Choose(0, 1000).Select(i => i / 1000.0);

    /// <summary>A better service level never shows a worse colour; meeting the target is always normal.</summary>
    [FsCheck.Xunit.Property]
    public Property Service_level_alerts_are_monotonic_and_the_target_is_normal() =>
        Prop.ForAll(Share.ToArbitrary(), Share.ToArbitrary(), Share.Where(s => s > 0).ToArbitrary(), (a, b, target) =>
        {
            var (low, high) = a <= b ? (a, b) : (b, a);
            return WallboardFigures.ServiceLevel(high, target) <= WallboardFigures.ServiceLevel(low, target)
                && WallboardFigures.ServiceLevel(target, target) == Alert.Normal
                && (low >= target - 0.05 || WallboardFigures.ServiceLevel(low, target) == Alert.Breach);
        });

    /// <summary>A longer wait never shows a better colour; past the threshold it is a breach.</summary>
    [FsCheck.Xunit.Property]
    public Property Waits_alert_monotonically_and_breach_past_the_threshold() =>
        Prop.ForAll(Gen.Choose(0, 600).ToArbitrary(), Gen.Choose(0, 600).ToArbitrary(), Gen.Choose(1, 120).ToArbitrary(), (a, b, threshold) =>
        {
            var (shorter, longer) = a <= b ? (a, b) : (b, a);
            return WallboardFigures.OldestWait(longer, threshold) >= WallboardFigures.OldestWait(shorter, threshold)
                && (longer <= threshold || WallboardFigures.OldestWait(longer, threshold) == Alert.Breach);
        });

    [Fact]
    public void Calls_waiting_with_nobody_ready_is_a_breach()
    {
        Assert.Equal(Alert.Breach, WallboardFigures.Waiting(3, 0));
        Assert.Equal(Alert.Warning, WallboardFigures.Waiting(3, 2));
        Assert.Equal(Alert.Normal, WallboardFigures.Waiting(0, 0));
    }

    [Fact]
    public void A_region_scope_shows_its_figures_and_the_tiles_carry_the_threshold_colours()
    {
        var day = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var today = new PeriodCounters { Start = day, Offered = 10, Answered = 8, AnsweredWithinThreshold = 4, Abandoned = 2 };
        var scope = new ScopeStatistics
        {
            Scope = "bj",
            CallsWaiting = 4,
            OldestWaitSeconds = 40,
            AgentsByState = ImmutableDictionary<AgentState, int>.Empty.Add(AgentState.Ready, 0).Add(AgentState.NotReady, 2),
            Interval = today,
            Today = today,
        };
        var queue = new QueueStatistics { QueueId = "hotline-bj", Region = "bj", ServiceLevelThresholdSeconds = 15, Interval = today, Today = today };
        var statistics = new CenterStatistics(day.AddHours(9), scope with { Scope = "center" },
            ImmutableDictionary<string, ScopeStatistics>.Empty.Add("bj", scope),
            ImmutableDictionary<string, QueueStatistics>.Empty.Add("hotline-bj", queue));

        var region = WallboardFigures.Scope(statistics, HourlyCalls.RegionKey("bj"))!;
        var tiles = WallboardFigures.Tiles(region, 0.8, 0.05).ToDictionary(t => t.Key);
        Assert.Equal("4", tiles["waiting"].Value);
        Assert.Equal(Alert.Breach, tiles["waiting"].Alert);
        Assert.Equal(Alert.Breach, tiles["oldest"].Alert);
        Assert.Equal("40%", tiles["sl"].Value);
        Assert.Equal(Alert.Breach, tiles["sl"].Alert);
        Assert.Equal("20%", tiles["abandoned"].Value);
        Assert.Equal("2", tiles["notready"].Value);
        Assert.Null(WallboardFigures.Scope(statistics, "region:nowhere"));
    }

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(59.4, "59 s")]
    [InlineData(61, "1:01")]
    [InlineData(3725, "1:02:05")]
    [InlineData(-3, "0 s")]
    public void Durations_read_at_a_glance(double seconds, string shown) =>
        Assert.Equal(shown, WallboardFigures.Duration(seconds));
}
