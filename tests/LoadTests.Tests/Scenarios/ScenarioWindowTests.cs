using CallCenter.LoadTests.Scaling;
using CallCenter.LoadTests.Scenarios;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Scenarios;

/// <summary>A window of a scenario's day offers what the day offers from that second on, with every agent group still staffed.</summary>
public sealed class ScenarioWindowTests
{
    private static readonly Scenario Provincial = ScenarioReader.ReadFile(ExampleScenarios.PathOf("provincial-31.json")).Scenario;

    [Property(MaxTest = 300)]
    public Property Every_stream_runs_at_the_rate_the_day_has_at_the_same_moment(PositiveInt fromSeed, PositiveInt atSeed)
    {
        var from = fromSeed.Get % 86_000 + (fromSeed.Get % 7) / 8.0;
        var t = (atSeed.Get % 1_000_000) / 1_000_000.0 * (Provincial.DurationSeconds - from);
        var window = ScenarioWindow.Apply(Provincial, from, 1);

        var differ = Provincial.Arrivals.Select((a, i) => (a.MultiplierAt(from + t), window.Arrivals[i].MultiplierAt(t)))
            .Count(m => m.Item1 != m.Item2);

        return (differ == 0).Label($"from {from} s, at {t} s: {differ} stream(s) differ");
    }

    [Property(MaxTest = 300)]
    public Property Every_group_keeps_its_share_rounded_and_at_least_one_agent(PositiveInt count, PositiveInt fractionSeed)
    {
        var fraction = (fractionSeed.Get % 1000 + 1) / 1000.0;
        var staff = ScenarioWindow.Staff(count.Get, fraction);
        var share = count.Get * fraction;
        var rounded = share < 0.5 ? staff == 1 : Math.Abs(staff - share) <= 0.5 + 1e-9;
        return (rounded && staff >= 1 && staff <= count.Get).Label($"{count.Get} x {fraction} -> {staff}");
    }

    [Fact]
    public void The_morning_window_expects_the_calls_the_day_expects_from_nine()
    {
        const int from = 9 * 3600;
        var window = ScenarioWindow.Apply(Provincial, from, 1);

        var inWindow = ScenarioSizing.ExpectedCalls(window, 600);
        var inDay = ScenarioSizing.ExpectedCalls(Provincial, from + 600) - ScenarioSizing.ExpectedCalls(Provincial, from);

        Assert.Equal(inDay, inWindow, 1e-3);
        // About 11.6 calls/s over the day and a multiplier near 2.7 at nine.
        Assert.InRange(inWindow, 600 * 11.57 * 2.5, 600 * 11.58 * 2.8);
    }

    [Fact]
    public void A_window_keeps_every_queue_route_and_group_and_moves_the_clock()
    {
        var window = ScenarioWindow.Apply(Provincial, 9 * 3600, 0.02);

        Assert.Equal(Provincial.Queues, window.Queues);
        Assert.Equal(Provincial.Routing, window.Routing);
        Assert.Equal(Provincial.Agents.Length, window.Agents.Length);
        Assert.All(window.Agents, g => Assert.True(g.Count >= 1));
        Assert.Equal(Provincial.StartAt!.Value.AddHours(9), window.StartAt);
        Assert.Equal(Provincial.DurationSeconds - 9 * 3600, window.DurationSeconds);
        // 09:00 is inside the morning peak: the multiplier of 09:00-09:30 now applies from 0.
        Assert.Equal(Provincial.Arrivals[0].MultiplierAt(9 * 3600), window.Arrivals[0].MultiplierAt(0));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(86_400, 1)]
    [InlineData(0, 0)]
    [InlineData(0, 1.5)]
    [InlineData(double.NaN, 1)]
    public void A_window_outside_the_day_or_a_fraction_outside_zero_to_one_is_refused(double from, double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ScenarioWindow.Apply(Provincial, from, fraction));
}
