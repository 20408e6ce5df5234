using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Simulation;

/// <summary>One arrival stream: its spec and its own random streams.</summary>
internal sealed class ArrivalStream
{
    private readonly Random _interArrival;
    private readonly Random _caller;
    private readonly double _rate;
    private readonly double _maxMultiplier;

    public ArrivalStream(ArrivalSpec spec, int index, int queueIndex, RandomStreams random, double rateMultiplier)
    {
        Spec = spec;
        Index = index;
        QueueIndex = queueIndex;
        _interArrival = random.For("inter-arrival", index);
        HandleRandom = random.For("handle", index);
        PatienceRandom = random.For("patience", index);
        _caller = random.For("caller", index);
        _rate = spec.RatePerSecond * rateMultiplier;
        _maxMultiplier = spec.Profile.IsEmpty ? 1 : Math.Max(1, spec.Profile.Max(s => s.Multiplier));
    }

    public ArrivalSpec Spec { get; }
    public int Index { get; }
    public int QueueIndex { get; }
    public Distribution Handle => Spec.HandleSeconds;
    public Distribution Patience => Spec.PatienceSeconds;
    public Random HandleRandom { get; }
    public Random PatienceRandom { get; }

    /// <summary>
    /// The next arrival after scenario second <paramref name="t"/>, or null past the end. A
    /// time-varying Poisson stream is drawn by thinning (Lewis–Shedler): candidates at the
    /// peak rate, each kept with probability rate(t)/peak.
    /// </summary>
    public double? Next(double t, double end)
    {
        if (_rate <= 0)
        {
            return null;
        }
        if (Spec.Process == ArrivalProcess.Poisson)
        {
            var peak = _rate * _maxMultiplier;
            while (true)
            {
                t += -Math.Log(1.0 - _interArrival.NextDouble()) / peak;
                if (t >= end)
                {
                    return null;
                }
                if (_maxMultiplier == 1 && Spec.Profile.IsEmpty || _interArrival.NextDouble() * _maxMultiplier < Spec.MultiplierAt(t))
                {
                    return t;
                }
            }
        }
        while (t < end)
        {
            var multiplier = Spec.MultiplierAt(t);
            if (multiplier > 0)
            {
                var next = t + 1 / (_rate * multiplier);
                return next < end ? next : null;
            }
            // A silent segment: jump to its end.
            t = Spec.Profile.First(s => t >= s.FromSeconds && t < s.ToSeconds).ToSeconds;
        }
        return null;
    }

    public string NextCallerNumber()
    {
        const int Digits = 8;
        var prefix = Spec.CallerPrefix;
        return string.Create(prefix.Length + Digits, (prefix, _caller), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            for (var i = state.prefix.Length; i < span.Length; i++)
            {
                span[i] = (char)('0' + state._caller.Next(10));
            }
        });
    }
}
