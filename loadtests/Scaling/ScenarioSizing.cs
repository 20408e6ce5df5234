using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Scaling;

/// <summary>How long a scenario's arrivals must run for a given number of calls (the scaling run's <c>--calls</c>).</summary>
public static class ScenarioSizing
{
    private const double Step = 1;

    /// <summary>Calls expected in the first <paramref name="seconds"/> of arrivals (rates times their profile multipliers).</summary>
    public static double ExpectedCalls(Scenario scenario, double seconds, double rateMultiplier = 1)
    {
        var calls = 0.0;
        for (var t = 0.0; t < seconds; t += Step)
        {
            calls += RateAt(scenario, t + Step / 2) * rateMultiplier * Math.Min(Step, seconds - t);
        }
        return calls;
    }

    /// <summary>
    /// The scenario seconds after which <paramref name="calls"/> calls are expected, or null when the
    /// scenario never offers that many (its arrivals rate is zero from some point on).
    /// </summary>
    public static double? SecondsFor(Scenario scenario, long calls, double rateMultiplier = 1, double limitSeconds = 30 * 86_400)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(calls);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rateMultiplier);
        var expected = 0.0;
        for (var t = 0.0; t < limitSeconds; t += Step)
        {
            var rate = RateAt(scenario, t + Step / 2) * rateMultiplier;
            if (expected + rate * Step >= calls)
            {
                return t + (calls - expected) / rate;
            }
            expected += rate * Step;
        }
        return null;
    }

    private static double RateAt(Scenario scenario, double t)
    {
        var rate = 0.0;
        foreach (var arrival in scenario.Arrivals)
        {
            rate += arrival.RatePerSecond * arrival.MultiplierAt(t);
        }
        return rate;
    }
}
