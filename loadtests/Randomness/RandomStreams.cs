using System.Text;

namespace CallCenter.LoadTests.Randomness;

/// <summary>
/// Independent, reproducible random streams derived from the scenario seed, one per purpose
/// (inter-arrival times of stream 0, handle times of stream 0, answer delays...), so that
/// adding a draw for one purpose never shifts the numbers of another.
/// </summary>
public sealed class RandomStreams(int seed)
{
    public int Seed { get; } = seed;

    public Random For(string purpose, int index = 0) => new(DeriveSeed(Seed, purpose, index));

    /// <summary>FNV-1a over the purpose, mixed with the seed and index by SplitMix64's finaliser.</summary>
    public static int DeriveSeed(int seed, string purpose, int index)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(purpose))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        var x = hash ^ ((ulong)(uint)seed << 32) ^ (uint)index;
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }
}
