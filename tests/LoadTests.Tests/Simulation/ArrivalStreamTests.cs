using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Tests.Simulation;

public sealed class ArrivalStreamTests
{
    private static ArrivalSpec Spec(double rate, ArrivalProcess process = ArrivalProcess.Poisson, params RateSegment[] profile) => new()
    {
        Queue = "q",
        Service = "q",
        RatePerSecond = rate,
        Process = process,
        HandleSeconds = Distribution.Constant(1),
        CallerPrefix = "0731",
        Profile = [.. profile],
    };

    private static List<double> Arrivals(ArrivalSpec spec, double end, int seed = 1, double multiplier = 1)
    {
        var stream = new ArrivalStream(spec, 0, 0, new RandomStreams(seed), multiplier);
        var times = new List<double>();
        for (var t = stream.Next(0, end); t is { } at; t = stream.Next(at, end))
        {
            times.Add(at);
        }
        return times;
    }

    /// <summary>A Poisson count over T has mean and variance λT: five standard deviations of slack.</summary>
    [Theory]
    [InlineData(1, 0.25, 3600)]
    [InlineData(2, 0.5, 20_000)]
    [InlineData(3, 20, 1_000)]
    public void Poisson_counts_match_the_rate(int seed, double rate, double end)
    {
        var count = Arrivals(Spec(rate), end, seed).Count;

        var expected = rate * end;
        Assert.InRange(count, expected - 5 * Math.Sqrt(expected), expected + 5 * Math.Sqrt(expected));
    }

    [Fact]
    public void Poisson_gaps_are_exponential()
    {
        var times = Arrivals(Spec(2), 50_000);
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();

        Assert.Equal(0.5, gaps.Average(), 2);
        // For an exponential, P(gap > mean) = e^-1.
        Assert.Equal(Math.Exp(-1), gaps.Count(g => g > 0.5) / (double)gaps.Count, 2);
    }

    [Fact]
    public void Uniform_arrivals_are_evenly_spaced()
    {
        var times = Arrivals(Spec(0.5, ArrivalProcess.Uniform), 100);

        Assert.Equal(Enumerable.Range(1, 49).Select(i => i * 2.0), times.Select(t => Math.Round(t, 9)));
    }

    [Fact]
    public void A_profile_multiplies_the_rate_in_its_segments_only()
    {
        var spec = Spec(1, ArrivalProcess.Poisson, new RateSegment(1000, 2000, 3), new RateSegment(2000, 3000, 0));
        var times = Arrivals(spec, 4000, seed: 9);

        int Between(double a, double b) => times.Count(t => t >= a && t < b);
        Assert.InRange(Between(0, 1000), 1000 - 160, 1000 + 160);
        Assert.InRange(Between(1000, 2000), 3000 - 280, 3000 + 280);
        Assert.Equal(0, Between(2000, 3000));
        Assert.InRange(Between(3000, 4000), 1000 - 160, 1000 + 160);
    }

    [Fact]
    public void Uniform_arrivals_skip_silent_segments()
    {
        var spec = Spec(1, ArrivalProcess.Uniform, new RateSegment(10, 20, 0));
        var times = Arrivals(spec, 30);

        Assert.DoesNotContain(times, t => t > 10 && t < 20);
        Assert.Equal(9 + 10, times.Count(t => t <= 10 || t >= 20));
    }

    [Fact]
    public void The_rate_multiplier_scales_the_stream()
    {
        var count = Arrivals(Spec(1), 10_000, multiplier: 0.5).Count;

        Assert.InRange(count, 5000 - 360, 5000 + 360);
    }

    [Fact]
    public void Caller_numbers_start_with_the_prefix()
    {
        var stream = new ArrivalStream(Spec(1), 0, 0, new RandomStreams(1), 1);

        var number = stream.NextCallerNumber();

        Assert.StartsWith("0731", number);
        Assert.Equal(12, number.Length);
        Assert.True(number.All(char.IsAsciiDigit));
    }
}
