using System.Collections.Immutable;
using CallCenter.LoadTests.Commands;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scaling;
using CallCenter.LoadTests.Scenarios;
using FsCheck;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Scaling;

public sealed class ScaleOptionsTests
{
    [Fact]
    public void Scale_reads_its_flags_and_defaults_to_one_then_three_silos()
    {
        var defaults = Assert.IsType<ScaleCommand>(CommandLine.Parse(["scale", "--scenario", "s.json"])).Options;
        var given = Assert.IsType<ScaleCommand>(CommandLine.Parse(
            ["scale", "s.json", "--silos", "1,2 4", "--calls", "5000", "--speed", "20", "--out", "SCALE.json"])).Options;

        Assert.Equal("s.json", defaults.ScenarioPath);
        Assert.Equal([1, 3], defaults.Silos);
        Assert.Null(defaults.Calls);
        Assert.Equal([1, 2, 4], given.Silos);
        Assert.Equal((5000L, 20.0, "SCALE.json"), (given.Calls!.Value, given.Speed!.Value, given.OutPath));
    }

    [Theory]
    [InlineData("scale needs --scenario FILE", "scale")]
    [InlineData("--silos: '0' is not a cluster size", "scale", "s.json", "--silos", "0 3")]
    [InlineData("--silos: 3 given twice", "scale", "s.json", "--silos", "3 3")]
    [InlineData("--silos: 'x' is not a cluster size", "scale", "s.json", "--silos", "1 x")]
    [InlineData("--calls: must be positive", "scale", "s.json", "--calls", "0")]
    [InlineData("unknown option --kill-after", "scale", "s.json", "--kill-after", "3")]
    [InlineData("unexpected argument 'other.json'", "scale", "--scenario", "s.json", "other.json")]
    public void Bad_scale_arguments_are_refused(string message, params string[] args)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(args));

        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    private static Scenario WithProfile(double rate, params RateSegment[] profile) => new()
    {
        Name = "sizing",
        DurationSeconds = 3600,
        Queues = [new QueueSpec { Id = "q" }],
        Agents = [new AgentGroupSpec { Count = 1, Queues = ImmutableDictionary<string, int>.Empty.Add("q", 1) }],
        Arrivals = [new ArrivalSpec { Queue = "q", Service = "q", RatePerSecond = rate, HandleSeconds = Distribution.Exponential(10), Profile = [.. profile] }],
    };

    [Fact]
    public void Sizing_follows_the_profile()
    {
        // 2 calls/s, tripled between 100 s and 200 s: 200 calls by 100 s, then 6 a second.
        var scenario = WithProfile(2, new RateSegment(100, 200, 3));

        Assert.Equal(100, ScenarioSizing.SecondsFor(scenario, 200)!.Value, 6);
        Assert.Equal(150, ScenarioSizing.SecondsFor(scenario, 500)!.Value, 6);
        Assert.Equal(150, ScenarioSizing.SecondsFor(scenario, 250, rateMultiplier: 0.5)!.Value, 6);
        Assert.Null(ScenarioSizing.SecondsFor(WithProfile(2, new RateSegment(0, 1e9, 0)), 10, limitSeconds: 1000));
    }

    /// <summary>The seconds found for N calls are the seconds in which N calls are expected.</summary>
    [Property(MaxTest = 100)]
    public bool Sizing_inverts_the_expected_count(PositiveInt calls, PositiveInt rateTenths, NonNegativeInt from, PositiveInt length, PositiveInt multiplierTenths)
    {
        var scenario = WithProfile(rateTenths.Get % 500 / 10.0 + 0.1,
            new RateSegment(from.Get % 1000, from.Get % 1000 + length.Get % 1000 + 1, multiplierTenths.Get % 50 / 10.0 + 0.1));
        var n = calls.Get % 100_000 + 1;

        var seconds = ScenarioSizing.SecondsFor(scenario, n)!.Value;

        return Math.Abs(ScenarioSizing.ExpectedCalls(scenario, seconds) - n) < 1e-6 * n + 1e-6;
    }
}
