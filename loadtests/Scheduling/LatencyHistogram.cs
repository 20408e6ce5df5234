using System.Numerics;

namespace CallCenter.LoadTests.Scheduling;

/// <summary>
/// Log-linear histogram of non-negative integer values (microseconds here): exact below 64,
/// then 64 buckets per power of two (under 1.6% error), fixed memory, no allocation per sample.
/// Not thread-safe: one writer.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 6;
    private const int Sub = 1 << SubBits;
    private readonly long[] _counts = new long[Sub * (64 - SubBits + 1)];

    public long Count { get; private set; }
    public long Max { get; private set; }
    public double Sum { get; private set; }
    public double Mean => Count > 0 ? Sum / Count : 0;

    public void Record(long value)
    {
        if (value < 0)
        {
            value = 0;
        }
        _counts[IndexOf(value)]++;
        Count++;
        Sum += value;
        if (value > Max)
        {
            Max = value;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The value at quantile <paramref name="q"/> (nearest rank; bucket midpoint, capped at the maximum seen).</summary>
    public double Percentile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = (long)Math.Ceiling(q * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (low, high) = BucketRange(i);
                return Math.Min((low + high) / 2.0, Max);
            }
        }
        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < Sub)
        {
            return (int)value;
        }
        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = msb - SubBits;
        return Sub + shift * Sub + (int)((value >> shift) - Sub);
    }

    internal static (long Low, long High) BucketRange(int index)
    {
        if (index < Sub)
        {
            return (index, index);
        }
        var shift = (index - Sub) / Sub;
        var sub = (index - Sub) % Sub;
        var low = (long)(sub + Sub) << shift;
        return (low, low + (1L << shift) - 1);
    }
}
