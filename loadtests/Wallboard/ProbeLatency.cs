namespace CallCenter.LoadTests.Wallboard;

/// <summary>One state change of the probe agent: the wall time just before the grain call, and the state it asked for.</summary>
public sealed record ProbeFlip(double AtUnixMs, bool Ready);

/// <summary>Latencies of one page against the flips, and the flips the page never showed in time.</summary>
public sealed record PageLatencies(IReadOnlyList<double> Milliseconds, int Missed);

/// <summary>
/// Matches what a page showed against the probe's flips, pure: a flip is seen at the first moment
/// the page's display turns to the flip's state, at or after the flip and before the next flip. A
/// display that turns later (or never) counts as missed, as does one that never left the state
/// (a missed earlier flip): only a transition caused after the flip can be its render.
/// </summary>
public static class ProbeLatency
{
    /// <summary>Date.now() has whole milliseconds: a render in the same millisecond as the flip may read up to 1 ms earlier.</summary>
    private const double ClockGrainMs = 1;

    /// <summary>What the Ready / Not ready tiles of the probe's own region say: true ready, false not ready, null neither (a partial picture).</summary>
    public static bool? Tiles(PageChange change) => (change.Ready, change.NotReady) switch
    {
        ("1", "0") => true,
        ("0", "1") => false,
        _ => null,
    };

    /// <summary>What the probe queue's "ready / logged in" cell says.</summary>
    public static bool? QueueCell(PageChange change) =>
        change.QueueCell.StartsWith("1 /", StringComparison.Ordinal) ? true
        : change.QueueCell.StartsWith("0 /", StringComparison.Ordinal) ? false
        : null;

    public static PageLatencies Match(IReadOnlyList<ProbeFlip> flips, IReadOnlyList<PageChange> changes, Func<PageChange, bool?> shows)
    {
        // The moments the display turned to a state (ignoring changes of other figures).
        var turns = new List<(double At, bool State)>();
        bool? shown = null;
        foreach (var change in changes.OrderBy(c => c.AtUnixMs))
        {
            var now = shows(change);
            if (now is { } state && now != shown)
            {
                turns.Add((change.AtUnixMs, state));
            }
            if (now is not null)
            {
                shown = now;
            }
        }
        var latencies = new List<double>();
        var missed = 0;
        for (var k = 0; k < flips.Count; k++)
        {
            var from = flips[k].AtUnixMs - ClockGrainMs;
            var until = k + 1 < flips.Count ? flips[k + 1].AtUnixMs - ClockGrainMs : double.PositiveInfinity;
            var seen = turns.FirstOrDefault(t => t.At >= from && t.At < until && t.State == flips[k].Ready);
            if (seen == default)
            {
                missed++;
            }
            else
            {
                latencies.Add(Math.Max(0, seen.At - flips[k].AtUnixMs));
            }
        }
        return new PageLatencies(latencies, missed);
    }

    /// <summary>Nearest-rank percentile of sorted values (NaN when empty).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
