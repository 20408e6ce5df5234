namespace CallCenter.LoadTests.Scenarios;

/// <summary>
/// A small slice of a large scenario that keeps its shape: arrivals start at a chosen second of
/// the scenario's day (its rate profile and its clock shifted with them), and every agent group
/// keeps a fraction of its agents, at least one, so that no region and no overflow group goes
/// missing. With <c>--rate-multiplier</c> at the same fraction the load per agent stays about the
/// same. Pure: the simulate command and the CI-sized provincial test use it.
/// </summary>
public static class ScenarioWindow
{
    public static Scenario Apply(Scenario scenario, double fromSeconds, double staffFraction)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        if (!double.IsFinite(fromSeconds) || fromSeconds < 0 || fromSeconds >= scenario.DurationSeconds)
        {
            throw new ArgumentOutOfRangeException(nameof(fromSeconds), fromSeconds,
                $"the window must start within the scenario's {scenario.DurationSeconds} s");
        }
        if (!double.IsFinite(staffFraction) || staffFraction <= 0 || staffFraction > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(staffFraction), staffFraction, "the staff fraction must be above 0 and at most 1");
        }
        return scenario with
        {
            StartAt = scenario.StartAt?.AddSeconds(fromSeconds),
            DurationSeconds = scenario.DurationSeconds - fromSeconds,
            Arrivals = [.. scenario.Arrivals.Select(a => a with { Profile = Shift(a.Profile, fromSeconds) })],
            Agents = [.. scenario.Agents.Select(g => g with { Count = Staff(g.Count, staffFraction) })],
        };
    }

    /// <summary>A group's agents in the slice: the fraction, rounded, and never fewer than one.</summary>
    public static int Staff(int count, double fraction) =>
        count <= 0 ? count : Math.Max(1, (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero));

    /// <summary>The profile as seen from second <paramref name="from"/>: segments that ended before it are dropped.</summary>
    private static System.Collections.Immutable.ImmutableArray<RateSegment> Shift(System.Collections.Immutable.ImmutableArray<RateSegment> profile, double from) =>
        [.. profile
            .Where(s => s.ToSeconds > from)
            .Select(s => new RateSegment(Math.Max(0, s.FromSeconds - from), s.ToSeconds - from, s.Multiplier))];
}
