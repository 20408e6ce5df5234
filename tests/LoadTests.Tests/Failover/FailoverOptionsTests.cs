using CallCenter.LoadTests.Commands;
using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Tests.Failover;

public sealed class FailoverOptionsTests
{
    private static FailoverOptions Parse(params string[] args) =>
        Assert.IsType<FailoverCommand>(CommandLine.Parse(["failover", .. args])).Options;

    [Fact]
    public void The_contract_command_line_parses()
    {
        var options = Parse("--silos", "3", "--rate", "500", "--seconds", "90", "--kill-after", "30", "--out", "RESULT.json");

        Assert.Equal((3, 500.0, 90, 30, "RESULT.json"), (options.Silos, options.Rate, options.Seconds, options.KillAfterSeconds, options.OutPath));
        Assert.Null(options.PgOutageSeconds);
        Assert.True(options.KillsSilo);
        Assert.Equal(1, options.KillSilo);
        // 500/s x (0.35 s answer + 2.5 s talk) / 0.85 occupancy.
        Assert.Equal(1677, options.AgentCount);
    }

    [Fact]
    public void Defaults_kill_a_silo_a_third_of_the_way_through()
    {
        var options = Parse();

        Assert.Equal((FailoverOptions.DefaultSilos, FailoverOptions.DefaultSeconds / 3), (options.Silos, options.KillAfterSeconds));
        Assert.Null(options.PgOutageSeconds);
    }

    [Fact]
    public void An_outage_alone_kills_no_silo_and_starts_at_a_third()
    {
        var options = Parse("--seconds", "90", "--pg-outage", "30");

        Assert.Null(options.KillAfterSeconds);
        Assert.False(options.KillsSilo);
        Assert.Equal((30, 30), (options.PgOutageSeconds, options.OutageAfterSeconds));
    }

    [Fact]
    public void An_outage_with_a_kill_starts_at_the_kill_unless_told_otherwise()
    {
        var together = Parse("--seconds", "90", "--kill-after", "20", "--pg-outage", "30");
        var apart = Parse("--seconds", "90", "--kill-after", "20", "--pg-outage", "30", "--outage-after", "50");

        Assert.Equal((20, 20), (together.KillAfterSeconds, together.OutageAfterSeconds));
        Assert.Equal((20, 50), (apart.KillAfterSeconds, apart.OutageAfterSeconds));
    }

    [Fact]
    public void Kill_after_none_runs_without_a_kill_even_on_one_silo()
    {
        var options = Parse("--silos", "1", "--kill-after", "none");

        Assert.False(options.KillsSilo);
        Assert.Equal(1, options.Silos);
    }

    [Fact]
    public void The_arguments_are_kept_for_the_result()
    {
        var options = Parse("--rate=20", "--seconds", "20");

        Assert.Equal(["failover", "--rate=20", "--seconds", "20"], options.Arguments);
        Assert.Equal(20, options.Rate);
    }

    [Theory]
    [InlineData("--silos: expected a whole number", "--silos", "three")]
    [InlineData("--silos: expected a whole number", "--silos", "2.5")]
    [InlineData("--silos: must be positive", "--silos", "0")]
    [InlineData("--silos: killing a silo needs at least 2", "--silos", "1")]
    [InlineData("--silos: killing a silo needs at least 2", "--silos", "1", "--kill-after", "5")]
    [InlineData("--silos: at most 16", "--silos", "17")]
    [InlineData("--rate: expected a number", "--rate", "fast")]
    [InlineData("--rate: must be > 0", "--rate", "0")]
    [InlineData("--rate: must be > 0", "--rate", "-5")]
    [InlineData("--rate: expected a number", "--rate", "NaN")]
    [InlineData("--rate: at most 100000", "--rate", "1000000")]
    [InlineData("--seconds: expected a whole number", "--seconds", "1.5")]
    [InlineData("--seconds: must be positive", "--seconds", "0")]
    [InlineData("--seconds: 2 is too short", "--seconds", "2")]
    [InlineData("--kill-after: expected a whole number", "--kill-after", "soon")]
    [InlineData("--kill-after: must be positive", "--kill-after", "0")]
    [InlineData("--kill-after: must be less than --seconds", "--seconds", "20", "--kill-after", "20")]
    [InlineData("--kill-after: must be less than --seconds", "--seconds", "20", "--kill-after", "30")]
    [InlineData("--kill-silo: must be below --silos", "--silos", "3", "--kill-silo", "3")]
    [InlineData("--kill-silo: must be >= 0", "--kill-silo", "-1")]
    [InlineData("--kill-silo: no silo is killed", "--kill-after", "none", "--kill-silo", "1")]
    [InlineData("--pg-outage: must be positive", "--pg-outage", "0")]
    [InlineData("--pg-outage: expected a whole number", "--pg-outage", "half")]
    [InlineData("--outage-after: needs --pg-outage", "--outage-after", "10")]
    [InlineData("--outage-after: must be less than --seconds", "--seconds", "60", "--pg-outage", "10", "--outage-after", "60")]
    [InlineData("--outage-after: must be positive", "--pg-outage", "10", "--outage-after", "0")]
    [InlineData("--queues: must be positive", "--queues", "0")]
    [InlineData("--queues: at most 1000", "--queues", "1001")]
    [InlineData("--agents: must be positive", "--agents", "0")]
    [InlineData("--agents: at least one agent per queue", "--agents", "3", "--queues", "4")]
    [InlineData("--talk-seconds: must be > 0", "--talk-seconds", "0")]
    [InlineData("--talk-seconds: expected a number", "--talk-seconds", "long")]
    [InlineData("--patience-seconds: must be > 0", "--patience-seconds", "-1")]
    [InlineData("--drain-seconds: must be positive", "--drain-seconds", "0")]
    [InlineData("--recovery-limit: must be positive", "--recovery-limit", "0")]
    [InlineData("--cdr-wait-seconds: expected a whole number", "--cdr-wait-seconds", "x")]
    [InlineData("--out needs a value", "--out")]
    [InlineData("--out: must not be empty", "--out", "")]
    [InlineData("--work-dir: must not be empty", "--work-dir", " ")]
    [InlineData("--rate: 100000 calls/s needs", "--rate", "100000")]
    [InlineData("unknown option --kill for failover", "--kill", "5")]
    [InlineData("failover: unexpected argument 'now'", "now")]
    [InlineData("--silos given twice", "--silos", "2", "--silos", "3")]
    public void Every_bad_option_is_refused_by_name(string message, params string[] args)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["failover", .. args]));

        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public async Task A_bad_option_exits_2_naming_it_before_anything_starts()
    {
        var (code, error) = await RunProgramAsync("failover", "--kill-after", "100", "--seconds", "90");

        Assert.Equal(2, code);
        Assert.Contains("--kill-after", error);
    }

    /// <summary>The tool's own Main, as a process: exit code and standard error.</summary>
    private static async Task<(int Code, string Error)> RunProgramAsync(params string[] args)
    {
        var dll = typeof(FailoverOptions).Assembly.Location;
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await error);
    }
}
