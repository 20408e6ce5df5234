namespace CallCenter.LoadTests.Theory;

/// <summary>
/// The Erlang A model of a queue (M/M/n+M: Poisson arrivals at λ, exponential handle times of
/// mean 1/μ, n agents, and callers who abandon after an exponential patience of mean 1/θ).
/// Pure functions. The number of calls in the system is a birth-death chain (birth λ, death
/// min(k, n)·μ + max(k − n, 0)·θ) whose stationary distribution is computed exactly up to a
/// tail too small to matter; arrivals see it (PASTA). The wait of one caller who finds m
/// callers ahead is followed as a small chain of its own: m → m − 1 at n·μ + m·θ (an agent
/// frees or someone ahead leaves), served from 0 at n·μ, and its own abandonment at θ
/// throughout; integrating that chain to t gives the service level.
/// </summary>
public sealed class ErlangA
{
    /// <summary>Tail terms of the stationary distribution below this share are dropped.</summary>
    private const double TailEpsilon = 1e-14;
    private const int MaxQueueLength = 200_000;

    private readonly double _lambda, _mu, _theta;
    /// <summary>π(n + m) / Z for m = 0.. (calls waiting = m); π(k &lt; n) sums to <see cref="_belowAgents"/>.</summary>
    private readonly double[] _queueStates;
    private readonly double _belowAgents;

    public ErlangA(int agents, double arrivalRatePerSecond, double meanHandleSeconds, double meanPatienceSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(agents);
        ArgumentOutOfRangeException.ThrowIfNegative(arrivalRatePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(meanHandleSeconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(meanPatienceSeconds);
        if (!double.IsFinite(meanPatienceSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(meanPatienceSeconds), "infinite patience is Erlang C");
        }
        Agents = agents;
        MeanHandleSeconds = meanHandleSeconds;
        MeanPatienceSeconds = meanPatienceSeconds;
        _lambda = arrivalRatePerSecond;
        _mu = 1 / meanHandleSeconds;
        _theta = 1 / meanPatienceSeconds;
        OfferedLoadErlangs = _lambda * meanHandleSeconds;

        // Relative to Σ_{k<=n} π(k) = 1, Erlang B gives π(n) = B(n, A); the tail follows by the ratios.
        // In deep overload with patient callers the ratios multiply past double's range before they
        // fall (one agent, 78 Erlangs, 300 s patience), so the tail is built in logarithms and scaled
        // by its largest term before it is summed.
        var logTail = new List<double> { Math.Log(ErlangC.ErlangB(agents, OfferedLoadErlangs)) };
        var logLambda = Math.Log(_lambda);
        for (var m = 1; m < MaxQueueLength; m++)
        {
            var death = agents * _mu + m * _theta;
            var next = logTail[^1] + logLambda - Math.Log(death);
            logTail.Add(next);
            if (_lambda < death && (double.IsNegativeInfinity(next) || next < Math.Log(TailEpsilon) + logTail[0]))
            {
                break;
            }
        }
        var scale = Math.Max(0, logTail.Skip(1).DefaultIfEmpty(0).Max());
        var z = Math.Exp(-scale) + logTail.Skip(1).Sum(l => Math.Exp(l - scale));
        _queueStates = [.. logTail.Select(l => Math.Exp(l - scale) / z)];
        _belowAgents = (1 - Math.Exp(logTail[0])) * Math.Exp(-scale) / z;

        // Rounding can carry the sum of shares a few ulps past 1.
        ProbabilityOfWaiting = Math.Min(1, _queueStates.Sum());
        MeanQueueLength = _queueStates.Select((p, m) => p * m).Sum();
        AbandonProbability = _lambda == 0 ? 0 : _theta * MeanQueueLength / _lambda;
        // A caller with m ahead is served only by moving up every place, Π_(i<=m) r_i / (r_i + θ),
        // and spends 1 / (r_i + θ) on average at each: both build up from m = 0.
        double servedWait = 0, servedShareOfM = 1, timeOfM = 0;
        for (var m = 0; m < _queueStates.Length; m++)
        {
            var rate = Rate(m);
            servedShareOfM *= rate / (rate + _theta);
            timeOfM += 1 / (rate + _theta);
            servedWait += _queueStates[m] * servedShareOfM * timeOfM;
        }
        var servedShare = 1 - AbandonProbability;
        AverageSpeedOfAnswerSeconds = servedShare <= 0 ? 0 : servedWait / servedShare;
    }

    public int Agents { get; }
    public double MeanHandleSeconds { get; }
    public double MeanPatienceSeconds { get; }
    /// <summary>A = λ / μ.</summary>
    public double OfferedLoadErlangs { get; }
    /// <summary>The share of callers who find every agent busy.</summary>
    public double ProbabilityOfWaiting { get; }
    /// <summary>Mean number of callers waiting.</summary>
    public double MeanQueueLength { get; }
    /// <summary>P(abandon) = θ · E[queue] / λ (abandonments balance the callers waiting times their patience rate).</summary>
    public double AbandonProbability { get; }
    /// <summary>Mean wait of the calls that are answered (zero waits included).</summary>
    public double AverageSpeedOfAnswerSeconds { get; }

    /// <summary>Mean wait of all callers, answered or not: E[queue] / λ (Little).</summary>
    public double MeanWaitSeconds => _lambda == 0 ? 0 : MeanQueueLength / _lambda;

    /// <summary>Agent occupancy: calls answered × AHT / n.</summary>
    public double Occupancy => OfferedLoadErlangs * (1 - AbandonProbability) / Agents;

    /// <summary>P(answered within t): the callers who found an agent free plus those served within t.</summary>
    public double AnsweredWithin(double thresholdSeconds) => _belowAgents + Integrate(thresholdSeconds).Served;

    /// <summary>P(abandoned after waiting more than t).</summary>
    public double AbandonedAfter(double thresholdSeconds) => Math.Max(0, AbandonProbability - Integrate(thresholdSeconds).Abandoned);

    /// <summary>
    /// The service level as the queue grains count it: answered within t / (answered + abandoned
    /// after t), so that callers who give up before the threshold count for nothing.
    /// </summary>
    public double ServiceLevel(double thresholdSeconds)
    {
        var (served, abandoned) = Integrate(thresholdSeconds);
        var within = _belowAgents + served;
        var denominator = 1 - AbandonProbability + Math.Max(0, AbandonProbability - abandoned);
        return denominator <= 0 ? 1 : Math.Min(1, within / denominator);
    }

    /// <summary>
    /// The fewest agents for which <see cref="ServiceLevel"/> at <paramref name="thresholdSeconds"/> reaches
    /// <paramref name="targetServiceLevel"/> (with abandonment fewer than n &gt; A can do).
    /// </summary>
    public static int AgentsForServiceLevel(
        double arrivalRatePerSecond, double meanHandleSeconds, double meanPatienceSeconds, double thresholdSeconds, double targetServiceLevel, int maxAgents = 100_000)
    {
        if (targetServiceLevel is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(targetServiceLevel), targetServiceLevel, "must be in [0, 1)");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(thresholdSeconds);
        // The service level grows with n: double until it is met, then bisect.
        bool Meets(int n) => new ErlangA(n, arrivalRatePerSecond, meanHandleSeconds, meanPatienceSeconds).ServiceLevel(thresholdSeconds) >= targetServiceLevel;
        var high = 1;
        while (!Meets(high))
        {
            if (high >= maxAgents)
            {
                throw new InvalidOperationException($"more than {maxAgents} agents needed");
            }
            high = Math.Min(maxAgents, high * 2);
        }
        var low = high / 2;
        while (high - low > 1)
        {
            var mid = low + (high - low) / 2;
            if (Meets(mid))
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }
        return high;
    }

    /// <summary>Rate at which a waiting caller with <paramref name="ahead"/> callers in front moves up a place (or, at 0, is served).</summary>
    private double Rate(int ahead) => Agents * _mu + ahead * _theta;

    /// <summary>
    /// Integrates the tagged caller's chain from its arrival (over the states arrivals find) to
    /// <paramref name="t"/>: the probability of being served, and of having abandoned, by then.
    /// Classical fourth-order Runge-Kutta with steps of a quarter of the fastest rate's mean time.
    /// </summary>
    private (double Served, double Abandoned) Integrate(double t)
    {
        if (t <= 0 || ProbabilityOfWaiting == 0)
        {
            return (0, 0);
        }
        var size = _queueStates.Length;
        var v = (double[])_queueStates.Clone();
        var fastest = Rate(size - 1) + _theta;
        var steps = Math.Max(16, (int)Math.Ceiling(t * fastest * 4));
        var h = t / steps;
        double served = 0, abandoned = 0;
        var k1 = new double[size];
        var k2 = new double[size];
        var k3 = new double[size];
        var k4 = new double[size];
        var tmp = new double[size];
        for (var s = 0; s < steps; s++)
        {
            Derivative(v, k1);
            Step(v, k1, h / 2, tmp);
            Derivative(tmp, k2);
            Step(v, k2, h / 2, tmp);
            Derivative(tmp, k3);
            Step(v, k3, h, tmp);
            Derivative(tmp, k4);
            // The absorbed flows are linear in v: integrate them with the same stages.
            var servedRate = Flow(v, k1, k2, k3, h, 0, 1, Rate(0));
            var abandonRate = Flow(v, k1, k2, k3, h, 0, size, _theta);
            served += servedRate;
            abandoned += abandonRate;
            for (var i = 0; i < size; i++)
            {
                v[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
        }
        return (served, abandoned);
    }

    /// <summary>dv_i/dt = −(r_i + θ)·v_i + r_(i+1)·v_(i+1).</summary>
    private void Derivative(double[] v, double[] dv)
    {
        for (var i = 0; i < v.Length; i++)
        {
            dv[i] = -(Rate(i) + _theta) * v[i] + (i + 1 < v.Length ? Rate(i + 1) * v[i + 1] : 0);
        }
    }

    private static void Step(double[] v, double[] k, double h, double[] into)
    {
        for (var i = 0; i < v.Length; i++)
        {
            into[i] = v[i] + h * k[i];
        }
    }

    /// <summary>∫ rate · Σ_(from..to) v_i dt over one RK4 step, with the stage states the step used.</summary>
    private static double Flow(double[] v, double[] k1, double[] k2, double[] k3, double h, int from, int to, double rate)
    {
        double a = 0, b = 0, c = 0, d = 0;
        for (var i = from; i < to; i++)
        {
            a += v[i];
            b += v[i] + h / 2 * k1[i];
            c += v[i] + h / 2 * k2[i];
            d += v[i] + h * k3[i];
        }
        return rate * h / 6 * (a + 2 * b + 2 * c + d);
    }
}
