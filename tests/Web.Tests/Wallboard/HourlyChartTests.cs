using System.Collections.Immutable;
using Bunit;
using CallCenter.Stats;
using CallCenter.Web.Shared.Components;

namespace CallCenter.Web.Tests.Wallboard;

public sealed class HourlyChartTests : BunitContext
{
    [Fact]
    public void The_busiest_hour_fills_the_chart_and_quiet_hours_scale_to_it()
    {
        var offered = new int[24];
        offered[9] = 40;
        offered[10] = 10;
        var answered = new int[24];
        answered[9] = 20;
        var chart = Render<HourlyChart>(p => p.Add(c => c.Calls, new HourlyCalls([.. offered], [.. answered])));
        var bars = chart.FindAll("rect.offered");
        Assert.Equal(24, bars.Count);
        Assert.Equal("160", bars[9].GetAttribute("height"));
        Assert.Equal("40", bars[10].GetAttribute("height"));
        Assert.Equal("80", chart.FindAll("rect.answered")[9].GetAttribute("height"));
        Assert.Contains("09:00 offered 40, answered 20", chart.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_day_draws_no_bars_and_does_not_divide_by_zero()
    {
        var chart = Render<HourlyChart>(p => p.Add(c => c.Calls, null));
        Assert.All(chart.FindAll("rect"), r => Assert.Equal("0", r.GetAttribute("height")));
    }
}
