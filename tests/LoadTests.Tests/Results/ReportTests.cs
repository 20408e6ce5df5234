using CallCenter.LoadTests.Bench;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Tests.Results;

public sealed class ReportTests
{
    internal static SimulationResult Sample(long lost = 0) => new()
    {
        ScenarioName = "unit <test>",
        Mode = "in-process",
        CdrSource = "observer+sink",
        Agents = 10,
        Offered = 30,
        Answered = 25,
        Abandoned = 5,
        Lost = lost,
        OtherOutcomes = [],
        InvariantDetails = [],
        DecisionLatencyMs = new LatencySummary(0.5, 1, 2, 3, 4, 0.7, 30),
        AgentActivity = new AgentActivity(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        AgentsAtEnd = [],
        NotReadyRecoveries = [],
        Scheduler = new SchedulerFigures(0, 0, new LatencySummary(0, 0, 0, 0, 0, 0, 0), 0),
        GrainCallErrorDetails = [],
        FinishReason = "every call ended",
        ArrivalPhase = new ArrivalPhase(10, 30, 28, 3, 2.8) { GrainCalls = 500, GrainCallsPerWallSecond = 50 },
        AllocatedBytes = 3_000_000,
        Queues = new(StringComparer.Ordinal)
        {
            ["a1"] = new QueueResult { Region = "north", Offered = 10, Answered = 8, Abandoned = 2, AnsweredWithinServiceLevel = 8, ServiceLevel = 1, WaitSeconds = new(1, 2, 3, 4) },
            ["a2"] = new QueueResult { Region = "north", Offered = 10, Answered = 9, Abandoned = 1, AnsweredWithinServiceLevel = 6, AbandonedAfterThreshold = 1, ServiceLevel = 0.6, WaitSeconds = new(1, 2, 3, 4),
                ErlangA = new ErlangAFigures(3, 0.1, 20, 60, 2, 0.4, 0.05, 0.8, 4) },
            ["s1"] = new QueueResult { Region = "south", Offered = 10, Answered = 8, Abandoned = 2, ServiceLevel = 1, WaitSeconds = new(1, 2, 3, 4) },
        },
        IntervalSeconds = 60,
        Intervals = [new IntervalFigures(0, 60, 20, 17, 3, 0, 0.9, 2, 0.5), new IntervalFigures(60, 120, 10, 8, 2, 0, 0.7, 5, 0.8)],
        WaitDistribution = [new WaitBucket(0, 5, 20), new WaitBucket(5, null, 5)],
    };

    [Fact]
    public void Html_report_is_self_contained_with_charts_and_tables()
    {
        var html = HtmlReport.Render(Sample());
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("href=", html);
        Assert.DoesNotContain("<script", html);
        Assert.Equal(4, html.Split("<svg").Length - 1);  // calls, service level, occupancy, waits
        Assert.Contains("unit &lt;test&gt;", html);        // names are escaped
        Assert.Contains("<td>north</td><td>20</td><td>17</td>", html);  // regions sum their queues
        Assert.Contains("Erlang A: abandon 0.0500 (measured 0.1000)", html);
        Assert.Contains("class=\"ok\"", html);
        Assert.Contains("class=\"bad\"", HtmlReport.Render(Sample(lost: 1)));
    }

    [Fact]
    public void Nice_axis_maxima_cover_the_data()
    {
        Assert.Equal(1, HtmlReport.NiceMax(0));
        Assert.Equal(50, HtmlReport.NiceMax(41));
        Assert.Equal(2000, HtmlReport.NiceMax(1999));
        Assert.Equal(100, HtmlReport.NiceMax(100));
    }

    [Fact]
    public void Console_summary_has_the_region_table_when_regions_group_queues()
    {
        var text = new StringWriter();
        SummaryWriter.Write(Sample(), text);
        Assert.Contains("region", text.ToString());
        Assert.Matches(@"north\s+20\s+17\s+3", text.ToString());
        Assert.Contains("Erlang A", text.ToString());
    }

    [Fact]
    public void Progress_bar_fills_with_the_fraction_and_clamps()
    {
        Assert.Equal("[" + new string('.', ProgressBar.Width) + "]   0% x", ProgressBar.Render(0, "x"));
        Assert.Equal("[" + new string('#', 15) + new string('.', 15) + "]  50% x", ProgressBar.Render(0.5, "x"));
        Assert.Equal("[" + new string('#', ProgressBar.Width) + "] 100% x", ProgressBar.Render(7, "x"));
        Assert.Equal(ProgressBar.Render(0, "x"), ProgressBar.Render(double.NaN, "x"));
    }

    [Fact]
    public void Bench_json_has_exactly_the_contract_fields()
    {
        var figures = BenchFigures.From(new PingFigures(1000, 1, 1000, 10, 4), Sample(), new LiveCallFigures(100, 0, 250_000, 2500));
        Assert.Equal(50, figures.FlowMessagesPerSecond);
        Assert.Equal(0.05, figures.Ratio, 9);
        Assert.Equal(2.8, figures.CallsPerSecond);
        Assert.Equal(100_000, figures.BytesAllocatedPerCall);
        var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(figures, SimulationResult.JsonOptions)).RootElement;
        Assert.Equal(
            ["bytesAllocatedPerCall", "bytesPerLiveCall", "callsPerSecond", "decisionLatencyMs", "flowMessagesPerSecond", "pingMessagesPerSecond", "ratio"],
            json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["p50", "p99", "p999"], json.GetProperty("decisionLatencyMs").EnumerateObject().Select(p => p.Name));
    }
}
