using System.Diagnostics;

namespace CallCenter.LoadTests.Bench;

/// <summary>Grain calls per wall second measured by the silo's counter while the workers ran.</summary>
public sealed record PingFigures(long Calls, double WallSeconds, double MessagesPerSecond, int Grains, int Concurrency);

/// <summary>
/// Trivial grains on the same silo as the call flow: <see cref="Concurrency"/> workers each await
/// one ping after another, spread over <see cref="Grains"/> grains, for a fixed wall time after a
/// warm-up (activations and JIT out of the measurement).
/// </summary>
public static class PingBenchmark
{
    public const int Grains = 1000;
    public const int Concurrency = 256;

    public static async Task<PingFigures> RunAsync(IGrainFactory factory, GrainCallCounter counter, TimeSpan duration, CancellationToken cancellationToken)
    {
        var grains = Enumerable.Range(0, Grains).Select(i => factory.GetGrain<IPingGrain>($"ping/{i}")).ToArray();
        await RunWorkersAsync(grains, TimeSpan.FromSeconds(1), cancellationToken);
        var before = counter.Count;
        var started = Stopwatch.GetTimestamp();
        await RunWorkersAsync(grains, duration, cancellationToken);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var calls = counter.Count - before;
        return new PingFigures(calls, wall, calls / wall, Grains, Concurrency);
    }

    private static Task RunWorkersAsync(IPingGrain[] grains, TimeSpan duration, CancellationToken cancellationToken)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, Concurrency).Select(w => Task.Run(async () =>
        {
            var i = w;
            var value = 0;
            while (Stopwatch.GetTimestamp() < until && !cancellationToken.IsCancellationRequested)
            {
                value = await grains[i % grains.Length].Ping(value);
                i += Concurrency;
            }
        }, cancellationToken)));
    }
}
