using CallCenter.LoadTests.Randomness;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Randomness;

public sealed class DistributionTests
{
    private const int Samples = 200_000;

    /// <summary>
    /// The sample mean of n draws has standard error sd/√n; each tolerance below is five
    /// standard errors, so a correct sampler fails with probability under 1e-6 (the seeds are
    /// fixed anyway, so the test is reproducible).
    /// </summary>
    public static TheoryData<string, Distribution, double, double> Cases => new()
    {
        { "constant 7", Distribution.Constant(7), 7, 0 },
        { "exponential mean 180", Distribution.Exponential(180), 180, 180 },
        { "exponential mean 0.5", Distribution.Exponential(0.5), 0.5, 0.5 },
        { "uniform 60..240", Distribution.Uniform(60, 240), 150, 180 / Math.Sqrt(12) },
        { "lognormal mean 300 sd 120", Distribution.LogNormal(300, 120), 300, 120 },
        { "lognormal mean 3 sd 1", Distribution.LogNormal(3, 1), 3, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sample_mean_and_spread_match_the_distribution(string name, Distribution distribution, double mean, double sd)
    {
        var random = new Random(42);
        double sum = 0, sumSquares = 0;
        for (var i = 0; i < Samples; i++)
        {
            var x = distribution.Sample(random);
            sum += x;
            sumSquares += x * x;
        }
        var sampleMean = sum / Samples;
        var sampleSd = Math.Sqrt(Math.Max(0, sumSquares / Samples - sampleMean * sampleMean));

        Assert.True(Math.Abs(sampleMean - mean) <= 5 * sd / Math.Sqrt(Samples) + 1e-9, $"{name}: mean {sampleMean}, expected {mean}");
        Assert.Equal(mean, distribution.Mean, 9);
        // The sample sd of a skewed distribution converges slowly; 3% is ample at this n.
        Assert.True(Math.Abs(sampleSd - sd) <= 0.03 * sd + 1e-9, $"{name}: sd {sampleSd}, expected {sd}");
    }

    [Fact]
    public void None_never_happens()
    {
        Assert.Equal(double.PositiveInfinity, Distribution.None.Sample(new Random(1)));
        Assert.True(Distribution.None.IsNone);
    }

    [Property(MaxTest = 300)]
    public Property Samples_fall_within_the_support(PositiveInt seed, NormalFloat a, NormalFloat b, byte kind)
    {
        var x = Math.Abs(a.Get) % 1000 + 0.001;
        var y = Math.Abs(b.Get) % 1000;
        Distribution distribution = (kind % 4) switch
        {
            0 => Distribution.Constant(y),
            1 => Distribution.Exponential(x),
            2 => Distribution.Uniform(Math.Min(x, y), Math.Max(x, y)),
            _ => Distribution.LogNormal(x, y),
        };
        var random = new Random(seed.Get);
        var (min, max) = distribution.Support;
        var samples = Enumerable.Range(0, 50).Select(_ => distribution.Sample(random)).ToList();
        return samples.All(s => double.IsFinite(s) && s >= min && s <= max)
            .Label($"{distribution}: {string.Join(", ", samples.Where(s => !(s >= min && s <= max)))}");
    }

    [Fact]
    public void Streams_are_reproducible_and_independent_by_purpose()
    {
        var streams = new RandomStreams(7);

        Assert.Equal(streams.For("handle", 0).Next(), new RandomStreams(7).For("handle", 0).Next());
        Assert.NotEqual(streams.For("handle", 0).Next(), streams.For("handle", 1).Next());
        Assert.NotEqual(streams.For("handle", 0).Next(), streams.For("patience", 0).Next());
        Assert.NotEqual(streams.For("handle", 0).Next(), new RandomStreams(8).For("handle", 0).Next());
    }
}
