using CallCenter.Web.Shared;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Web.Tests.Shared;

public sealed class RenderThrottleTests
{
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(250);
    private const int Step = 5;

    [Fact]
    public void A_first_request_renders_at_once_and_a_burst_collapses_into_one_render_at_the_end_of_the_gap()
    {
        var time = new FakeTimeProvider();
        var renders = 0;
        using var throttle = new RenderThrottle(time, Gap, () => renders++);
        throttle.Request();
        Assert.Equal(1, renders);
        for (var i = 0; i < 100; i++)
        {
            throttle.Request();
        }
        Assert.Equal(1, renders);
        time.Advance(Gap);
        Assert.Equal(2, renders);
    }

    /// <summary>
    /// For any schedule of requests: renders never come closer than the gap, and every request is
    /// followed by a render no later than one gap after it (the last update is never lost).
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Renders_keep_the_gap_and_follow_every_request_within_one_gap()
    {
        var steps = Gen.ListOf(Gen.Choose(0, 600)).Select(l => l.Take(60).ToList());
        return Prop.ForAll(steps.ToArbitrary(), delays =>
        {
            var time = new FakeTimeProvider();
            var renders = new List<DateTimeOffset>();
            var requests = new List<DateTimeOffset>();
            using var throttle = new RenderThrottle(time, Gap, () => renders.Add(time.GetUtcNow()));
            // Small steps: the fake clock shows a timer the time of the whole advance, not its due time.
            void Pass(int milliseconds)
            {
                for (var left = milliseconds; left > 0; left -= Step)
                {
                    time.Advance(TimeSpan.FromMilliseconds(Math.Min(Step, left)));
                }
            }
            foreach (var delay in delays)
            {
                Pass(delay);
                requests.Add(time.GetUtcNow());
                throttle.Request();
            }
            Pass((int)Gap.TotalMilliseconds);
            var spaced = renders.Zip(renders.Skip(1)).All(p => p.Second - p.First >= Gap);
            var served = requests.All(r => renders.Any(x => x >= r && x - r <= Gap + TimeSpan.FromMilliseconds(Step)));
            return (spaced && served).Label($"renders {string.Join(",", renders.Select(r => r.ToUnixTimeMilliseconds()))}");
        });
    }

    [Fact]
    public void Nothing_renders_after_dispose()
    {
        var time = new FakeTimeProvider();
        var renders = 0;
        var throttle = new RenderThrottle(time, Gap, () => renders++);
        throttle.Request();
        throttle.Request();
        throttle.Dispose();
        time.Advance(Gap * 2);
        throttle.Request();
        Assert.Equal(1, renders);
    }
}
