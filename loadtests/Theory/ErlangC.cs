namespace CallCenter.LoadTests.Theory;

/// <summary>
/// The Erlang C model of a queue (M/M/n: Poisson arrivals, exponential handle times, n agents,
/// nobody abandons): probability of waiting, service level and average speed of answer.
/// Pure functions; the probability of waiting is computed from the Erlang B recursion, which
/// stays stable for thousands of agents where the textbook factorial sums overflow.
/// </summary>
public sealed class ErlangC
{
    public ErlangC(int agents, double offeredLoadErlangs, double meanHandleSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agents);
        ArgumentOutOfRangeException.ThrowIfNegative(offeredLoadErlangs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(meanHandleSeconds);
        Agents = agents;
        OfferedLoadErlangs = offeredLoadErlangs;
        MeanHandleSeconds = meanHandleSeconds;
        ProbabilityOfWaiting = ProbabilityOfWaitingFor(agents, offeredLoadErlangs);
    }

    /// <summary>From an arrival rate (calls per second) and a mean handle time (seconds).</summary>
    public static ErlangC For(int agents, double arrivalRatePerSecond, double meanHandleSeconds) =>
        new(agents, arrivalRatePerSecond * meanHandleSeconds, meanHandleSeconds);

    public int Agents { get; }
    /// <summary>A = λ · AHT.</summary>
    public double OfferedLoadErlangs { get; }
    public double MeanHandleSeconds { get; }

    /// <summary>The queue is stable only when A &lt; n; otherwise every caller waits and the wait grows without bound.</summary>
    public bool IsStable => OfferedLoadErlangs < Agents;

    /// <summary>Agent occupancy A / n (capped at 1).</summary>
    public double Occupancy => Agents == 0 ? 1 : Math.Min(1, OfferedLoadErlangs / Agents);

    /// <summary>C(n, A): the probability that an arriving call has to wait.</summary>
    public double ProbabilityOfWaiting { get; }

    /// <summary>P(wait ≤ t) = 1 − C · e^(−(n − A) t / AHT).</summary>
    public double ServiceLevel(double thresholdSeconds) =>
        !IsStable ? 0 : 1 - ProbabilityOfWaiting * Math.Exp(-(Agents - OfferedLoadErlangs) * thresholdSeconds / MeanHandleSeconds);

    /// <summary>Average speed of answer: C · AHT / (n − A).</summary>
    public double AverageSpeedOfAnswerSeconds =>
        !IsStable ? double.PositiveInfinity : ProbabilityOfWaiting * MeanHandleSeconds / (Agents - OfferedLoadErlangs);

    /// <summary>Mean wait of the calls that do wait: AHT / (n − A).</summary>
    public double MeanWaitOfDelayedCallsSeconds =>
        !IsStable ? double.PositiveInfinity : MeanHandleSeconds / (Agents - OfferedLoadErlangs);

    /// <summary>Erlang B blocking probability by the recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)).</summary>
    public static double ErlangB(int agents, double offeredLoadErlangs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agents);
        ArgumentOutOfRangeException.ThrowIfNegative(offeredLoadErlangs);
        var b = 1.0;
        for (var k = 1; k <= agents; k++)
        {
            var ab = offeredLoadErlangs * b;
            b = ab / (k + ab);
        }
        return b;
    }

    /// <summary>C(n, A) = n·B / (n − A·(1 − B)), and 1 when n ≤ A.</summary>
    public static double ProbabilityOfWaitingFor(int agents, double offeredLoadErlangs)
    {
        if (offeredLoadErlangs <= 0)
        {
            return 0;
        }
        if (agents <= offeredLoadErlangs)
        {
            return 1;
        }
        var b = ErlangB(agents, offeredLoadErlangs);
        return agents * b / (agents - offeredLoadErlangs * (1 - b));
    }

    /// <summary>
    /// The fewest agents that answer at least <paramref name="targetServiceLevel"/> of the calls
    /// within <paramref name="thresholdSeconds"/> at this load.
    /// </summary>
    public static int AgentsForServiceLevel(
        double arrivalRatePerSecond, double meanHandleSeconds, double thresholdSeconds, double targetServiceLevel, int maxAgents = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(arrivalRatePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(meanHandleSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(thresholdSeconds);
        if (targetServiceLevel is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(targetServiceLevel), targetServiceLevel, "must be in [0, 1)");
        }
        var load = arrivalRatePerSecond * meanHandleSeconds;
        for (var n = Math.Max(1, (int)Math.Floor(load) + 1); n <= maxAgents; n++)
        {
            if (new ErlangC(n, load, meanHandleSeconds).ServiceLevel(thresholdSeconds) >= targetServiceLevel)
            {
                return n;
            }
        }
        throw new InvalidOperationException($"more than {maxAgents} agents needed");
    }
}
