using CallCenter.LoadTests.Wallboard;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Wallboard;

public sealed class ProbeLatencyTests
{
    private static PageChange Tiles(double at, bool ready, string queueCell = "") =>
        new(at, ready ? "1" : "0", ready ? "0" : "1", queueCell);

    /// <summary>
    /// A page that renders some flips (each within its gap, after a random delay) and drops others:
    /// the display follows the last render. A flip is seen exactly when its render turned the
    /// display, and its latency is that render's delay; every other flip is missed. Renders of
    /// other figures (the queue cell) in between never count.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Every_render_that_turns_the_display_is_its_flips_latency_and_the_rest_are_missed(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var flips = new List<ProbeFlip>();
        var changes = new List<PageChange> { Tiles(0, ready: true) };
        var expected = new List<double>();
        var expectedMissed = 0;
        var at = 1_000.0;
        var shown = true;
        var ready = true;
        for (var k = 0; k < random.Next(1, 40); k++)
        {
            ready = !ready;
            flips.Add(new ProbeFlip(at, ready));
            var gap = random.Next(500, 3_000) + random.NextDouble();
            if (random.NextDouble() < 0.8)
            {
                var delay = Math.Floor(random.NextDouble() * (gap - 2));
                if (random.NextDouble() < 0.5)
                {
                    // Another figure moves first, the probe's tiles unchanged.
                    changes.Add(Tiles(at + delay / 2, shown, $"{k} / 9"));
                }
                changes.Add(Tiles(at + delay, ready));
                if (shown != ready)
                {
                    expected.Add(delay);
                }
                else
                {
                    expectedMissed++;
                }
                shown = ready;
            }
            else
            {
                expectedMissed++;
            }
            at += gap;
        }

        var result = ProbeLatency.Match(flips, changes, ProbeLatency.Tiles);

        var same = result.Milliseconds.Count == expected.Count && result.Milliseconds.Zip(expected).All(p => Math.Abs(p.First - p.Second) < 1e-6);
        return (same && result.Missed == expectedMissed)
            .Label($"got [{string.Join(", ", result.Milliseconds)}] missed {result.Missed}; expected [{string.Join(", ", expected)}] missed {expectedMissed}");
    }

    [Fact]
    public void A_render_after_the_next_flip_is_missed_and_does_not_count_for_the_next_one()
    {
        var flips = new[] { new ProbeFlip(1_000, Ready: false), new ProbeFlip(3_000, Ready: true) };
        var changes = new[] { Tiles(0, ready: true), Tiles(3_500, ready: false), Tiles(3_900, ready: true) };

        var result = ProbeLatency.Match(flips, changes, ProbeLatency.Tiles);

        Assert.Equal([900.0], result.Milliseconds);
        Assert.Equal(1, result.Missed);
    }

    [Fact]
    public void A_render_stamped_in_the_flips_own_millisecond_counts_as_zero()
    {
        var flips = new[] { new ProbeFlip(1_000.6, Ready: false) };
        var result = ProbeLatency.Match(flips, [Tiles(0, ready: true), Tiles(1_000, ready: false)], ProbeLatency.Tiles);
        Assert.Equal([0.0], result.Milliseconds);
    }

    [Fact]
    public void A_partial_picture_is_no_state_and_the_queue_cell_reads_its_first_number()
    {
        Assert.Null(ProbeLatency.Tiles(new PageChange(0, "1", "1", "")));
        Assert.Null(ProbeLatency.Tiles(new PageChange(0, "", "", "")));
        Assert.True(ProbeLatency.QueueCell(new PageChange(0, "", "", "1 / 1")));
        Assert.False(ProbeLatency.QueueCell(new PageChange(0, "", "", "0 / 1")));
        Assert.Null(ProbeLatency.QueueCell(new PageChange(0, "", "", "")));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var sorted = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(50, ProbeLatency.Percentile(sorted, 0.5));
        Assert.Equal(95, ProbeLatency.Percentile(sorted, 0.95));
        Assert.Equal(100, ProbeLatency.Percentile(sorted, 1));
        Assert.True(double.IsNaN(ProbeLatency.Percentile([], 0.5)));
    }
}
