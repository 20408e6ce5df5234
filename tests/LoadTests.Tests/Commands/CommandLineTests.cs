using CallCenter.LoadTests.Commands;

namespace CallCenter.LoadTests.Tests.Commands;

public sealed class CommandLineTests
{
    [Fact]
    public void Simulate_reads_the_contract_flags()
    {
        var command = Assert.IsType<SimulateCommand>(CommandLine.Parse(
            ["simulate", "s.json", "--out", "r.json", "--join", "127.0.0.1:30000", "--speed", "50", "--drain-seconds", "600"]));

        Assert.Equal(("s.json", "r.json"), (command.ScenarioPath, command.OutPath));
        Assert.Equal(("127.0.0.1", 30000), (command.Options.Join!.Host, command.Options.Join.Port));
        Assert.Equal(50, command.Options.Speed);
        Assert.Equal(600, command.Options.DrainSeconds);
    }

    [Fact]
    public void Simulate_reads_a_window_of_the_scenario()
    {
        var defaults = Assert.IsType<SimulateCommand>(CommandLine.Parse(["simulate", "s.json"])).Options;
        var given = Assert.IsType<SimulateCommand>(CommandLine.Parse(
            ["simulate", "s.json", "--from-seconds", "32400", "--staff-fraction", "0.01", "--rate-multiplier", "0.04", "--calls", "150"])).Options;

        Assert.Equal((0.0, 1.0, (long?)null), (defaults.FromSeconds, defaults.StaffFraction, defaults.Calls));
        Assert.Equal((32400.0, 0.01, 0.04, (long?)150), (given.FromSeconds, given.StaffFraction, given.RateMultiplier, given.Calls));
    }

    [Fact]
    public void Bench_has_defaults_and_reads_its_flags()
    {
        var defaults = Assert.IsType<BenchCommand>(CommandLine.Parse(["bench"]));
        var given = Assert.IsType<BenchCommand>(CommandLine.Parse(["bench", "--calls=1000", "--speed", "10", "--rate-multiplier", "0.5", "--out", "b.json"]));

        Assert.Equal(2_000, defaults.Agents);
        Assert.Equal("memory", defaults.Storage);
        Assert.Equal((1000, 10.0, 0.5, "b.json"), (given.Calls, given.Speed, given.RateMultiplier, given.OutPath));
        Assert.Equal("both", Assert.IsType<BenchCommand>(CommandLine.Parse(["bench", "--storage", "both"])).Storage);
    }

    [Theory]
    [InlineData("unknown command 'run'", "run")]
    [InlineData("--staff-fraction: at most 1", "simulate", "s.json", "--staff-fraction", "2")]
    [InlineData("--staff-fraction: must be > 0", "simulate", "s.json", "--staff-fraction", "0")]
    [InlineData("--from-seconds: must be >= 0", "simulate", "s.json", "--from-seconds", "-5")]
    [InlineData("--calls: must be >= 1", "simulate", "s.json", "--calls", "0")]
    [InlineData("simulate needs a scenario file", "simulate")]
    [InlineData("--speed: expected a number", "simulate", "s.json", "--speed", "fast")]
    [InlineData("--speed: must be > 0", "simulate", "s.json", "--speed", "0")]
    [InlineData("--join: expected HOST:GATEWAYPORT", "simulate", "s.json", "--join", "localhost")]
    [InlineData("unknown option --frobnicate", "simulate", "s.json", "--frobnicate", "1")]
    [InlineData("--out needs a value", "simulate", "s.json", "--out")]
    [InlineData("--storage: 'disk' is not one of memory, postgres, both", "bench", "--storage", "disk")]
    [InlineData("--storage: a joined cluster has its own storage", "bench", "--storage", "postgres", "--join", "127.0.0.1:30000")]
    public void Bad_arguments_say_what_is_wrong(string message, params string[] args)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(args));

        Assert.Contains(message, ex.Message);
    }
}
