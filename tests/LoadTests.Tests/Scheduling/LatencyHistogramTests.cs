using CallCenter.LoadTests.Scheduling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Scheduling;

public sealed class LatencyHistogramTests
{
    [Property(MaxTest = 200)]
    public Property Percentiles_are_within_two_percent_of_the_exact_value(PositiveInt seed, PositiveInt sizeSeed)
    {
        var random = new Random(seed.Get);
        var values = Enumerable.Range(0, sizeSeed.Get % 2000 + 1)
            .Select(_ => (long)Math.Exp(random.NextDouble() * 20))
            .ToList();
        var histogram = new LatencyHistogram();
        values.ForEach(histogram.Record);
        values.Sort();

        var checks = new[] { 0.5, 0.9, 0.99, 0.999 }.Select(q =>
        {
            var exact = values[Math.Clamp((int)Math.Ceiling(q * values.Count), 1, values.Count) - 1];
            var estimate = histogram.Percentile(q);
            return (q, exact, estimate, ok: Math.Abs(estimate - exact) <= Math.Max(1, 0.02 * exact));
        }).ToList();
        return checks.All(c => c.ok).Label(string.Join("; ", checks.Select(c => $"p{c.q}: {c.estimate} vs {c.exact}")));
    }

    [Property(MaxTest = 500)]
    public Property Every_value_falls_in_its_own_bucket(PositiveInt seed)
    {
        var value = (long)Math.Exp(new Random(seed.Get).NextDouble() * 40);
        var (low, high) = LatencyHistogram.BucketRange(LatencyHistogram.IndexOf(value));
        return (low <= value && value <= high).Label($"{value} in [{low}, {high}]");
    }

    [Fact]
    public void An_empty_histogram_reports_zero()
    {
        Assert.Equal(0, new LatencyHistogram().Percentile(0.99));
    }
}
