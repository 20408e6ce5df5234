namespace CallCenter.LoadTests.Randomness;

/// <summary>
/// A distribution of durations in scenario seconds (handle, patience, answer delay), as a
/// scenario names it: constant, exponential, uniform, lognormal or none (never happens).
/// </summary>
public abstract class Distribution
{
    public static Distribution None { get; } = new NoneDistribution();

    public abstract string Kind { get; }

    /// <summary>The mean; +infinity for <see cref="None"/>.</summary>
    public abstract double Mean { get; }

    /// <summary>The smallest and largest value a sample can take.</summary>
    public abstract (double Min, double Max) Support { get; }

    public bool IsNone => this is NoneDistribution;

    /// <summary>One sample; <see cref="double.PositiveInfinity"/> for <see cref="None"/>.</summary>
    public abstract double Sample(Random random);

    public static Distribution Constant(double value) => new ConstantDistribution(value);

    public static Distribution Exponential(double mean) => new ExponentialDistribution(mean);

    public static Distribution Uniform(double min, double max) => new UniformDistribution(min, max);

    public static Distribution LogNormal(double mean, double standardDeviation) =>
        new LogNormalDistribution(mean, standardDeviation);

    /// <summary>A uniform draw in (0, 1], so that its logarithm is finite.</summary>
    protected static double OpenUnit(Random random) => 1.0 - random.NextDouble();
}

public sealed class NoneDistribution : Distribution
{
    internal NoneDistribution()
    {
    }

    public override string Kind => "none";
    public override double Mean => double.PositiveInfinity;
    public override (double Min, double Max) Support => (double.PositiveInfinity, double.PositiveInfinity);
    public override double Sample(Random random) => double.PositiveInfinity;
    public override string ToString() => "none";
}

public sealed class ConstantDistribution(double value) : Distribution
{
    public double Value { get; } = value;
    public override string Kind => "constant";
    public override double Mean => Value;
    public override (double Min, double Max) Support => (Value, Value);
    public override double Sample(Random random) => Value;
    public override string ToString() => $"constant({Value})";
}

public sealed class ExponentialDistribution(double mean) : Distribution
{
    private readonly double _mean = mean;
    public override string Kind => "exponential";
    public override double Mean => _mean;
    public override (double Min, double Max) Support => (0, double.PositiveInfinity);
    public override double Sample(Random random) => -_mean * Math.Log(OpenUnit(random));
    public override string ToString() => $"exponential(mean {_mean})";
}

public sealed class UniformDistribution(double min, double max) : Distribution
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    public override string Kind => "uniform";
    public override double Mean => (Min + Max) / 2;
    public override (double Min, double Max) Support => (Min, Max);
    public override double Sample(Random random) => Min + (Max - Min) * random.NextDouble();
    public override string ToString() => $"uniform({Min}, {Max})";
}

/// <summary>
/// Log-normal given by the mean and standard deviation of the distribution itself (what a
/// workforce planner quotes), not of its logarithm: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
/// </summary>
public sealed class LogNormalDistribution : Distribution
{
    private readonly double _mean;
    private readonly double _mu;
    private readonly double _sigma;

    public LogNormalDistribution(double mean, double standardDeviation)
    {
        _mean = mean;
        StandardDeviation = standardDeviation;
        var sigmaSquared = Math.Log(1 + standardDeviation * standardDeviation / (mean * mean));
        _sigma = Math.Sqrt(sigmaSquared);
        _mu = Math.Log(mean) - sigmaSquared / 2;
    }

    public double StandardDeviation { get; }
    public override string Kind => "lognormal";
    public override double Mean => _mean;
    public override (double Min, double Max) Support => (0, double.PositiveInfinity);

    public override double Sample(Random random)
    {
        // Box–Muller; one of the pair is enough here.
        var z = Math.Sqrt(-2 * Math.Log(OpenUnit(random))) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Math.Exp(_mu + _sigma * z);
    }

    public override string ToString() => $"lognormal(mean {_mean}, sd {StandardDeviation})";
}
