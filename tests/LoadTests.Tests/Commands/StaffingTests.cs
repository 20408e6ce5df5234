using CallCenter.LoadTests.Commands;

namespace CallCenter.LoadTests.Tests.Commands;

public sealed class StaffingTests
{
    [Fact]
    public void Parses_with_defaults_and_refuses_bad_input()
    {
        var command = Assert.IsType<StaffingCommand>(CommandLine.Parse(["staffing", "--rate", "2", "--aht", "180"]));
        Assert.Equal(new StaffingCommand(2, 180, 0.8, 20, null), command);
        Assert.Equal(60, Assert.IsType<StaffingCommand>(CommandLine.Parse(["staffing", "--rate", "2", "--aht", "180", "--patience", "60"])).PatienceSeconds);
        Assert.Contains("--rate", Assert.Throws<UsageException>(() => CommandLine.Parse(["staffing", "--aht", "180"])).Message);
        Assert.Contains("--target: must be < 1", Assert.Throws<UsageException>(() => CommandLine.Parse(["staffing", "--rate", "1", "--aht", "1", "--target", "1"])).Message);
        Assert.Contains("--aht: must be > 0", Assert.Throws<UsageException>(() => CommandLine.Parse(["staffing", "--rate", "1", "--aht", "0"])).Message);
    }

    /// <summary>A textbook case: 360 Erlangs (2 calls/s, 180 s), 80 % in 20 s: Erlang C asks for 369 agents.</summary>
    [Fact]
    public void Answers_with_erlang_c_and_erlang_a()
    {
        var output = new StringWriter();
        Assert.Equal(0, Staffing.Run(new StaffingCommand(2, 180, 0.8, 20, 120), output));
        var text = output.ToString();
        Assert.Contains("Erlang C: 369 agents", text);
        Assert.Matches(@"Erlang A \(patience 120 s\): \d+ agents", text);
    }

    [Fact]
    public void Simulate_writes_the_html_report_beside_the_result_unless_told()
    {
        var beside = Assert.IsType<SimulateCommand>(CommandLine.Parse(["simulate", "s.json", "--out", "out/RESULT.json"]));
        var told = Assert.IsType<SimulateCommand>(CommandLine.Parse(["simulate", "s.json", "--out", "r.json", "--html", "x.html"]));
        Assert.Equal(Path.Combine("out", "RESULT.html"), beside.HtmlPath);
        Assert.Equal("x.html", told.HtmlPath);
        Assert.Null(Assert.IsType<SimulateCommand>(CommandLine.Parse(["simulate", "s.json"])).HtmlPath);
    }

    [Fact]
    public void Bench_reads_ping_and_live_call_flags()
    {
        var bench = Assert.IsType<BenchCommand>(CommandLine.Parse(["bench", "--ping-seconds", "2", "--live-calls", "500"]));
        Assert.Equal((2.0, 500), (bench.PingSeconds, bench.LiveCalls));
    }
}
