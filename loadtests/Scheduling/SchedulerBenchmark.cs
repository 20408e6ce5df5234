using System.Diagnostics;
using CallCenter.Time;

namespace CallCenter.LoadTests.Scheduling;

/// <summary>Figures of one scheduler benchmark run.</summary>
public sealed record SchedulerBenchmarkResult(
    long Actions,
    double OfferedPerWallSecond,
    double ActionsPerWallSecond,
    double BytesAllocatedPerAction,
    double LatenessP50Ms,
    double LatenessP99Ms,
    double LatenessMaxMs);

/// <summary>
/// Measures the scheduler alone, with no grains: <c>actions</c> actions spread evenly over a
/// wall-time window, each handled action scheduling a follow-up a little later (as answers
/// and hang-ups do), and reports the rate reached, how late actions ran and the bytes the
/// loop's thread allocated per action (the heap's growth included).
/// </summary>
public static class SchedulerBenchmark
{
    public static SchedulerBenchmarkResult Run(int actions = 200_000, double wallSeconds = 1.0, double speed = 1000)
    {
        var clock = new ScaledTimeProvider(DateTimeOffset.UnixEpoch, speed);
        var scheduler = new ScenarioScheduler<Probe>(clock);
        var window = TimeSpan.FromSeconds(wallSeconds * speed).Ticks;
        var random = new Random(12345);
        var start = scheduler.Now + TimeSpan.FromMilliseconds(20 * speed).Ticks;
        var initial = actions / 2;
        for (var i = 0; i < initial; i++)
        {
            scheduler.Schedule(start + window * i / initial, new Probe(i, 1));
        }
        var handler = new Handler(scheduler, actions - initial, window / 20, random, actions);

        // Counted on the loop's own thread, so that whatever else the process does is left out.
        long allocated = 0;
        var started = Stopwatch.GetTimestamp();
        var loop = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            scheduler.Run(handler);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        })
        {
            Name = "scheduler-benchmark",
        };
        loop.Start();
        loop.Join();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;

        return new SchedulerBenchmarkResult(
            scheduler.Dispatched,
            actions / wallSeconds,
            scheduler.Dispatched / elapsed,
            (double)allocated / Math.Max(1, scheduler.Dispatched),
            scheduler.Lateness.Percentile(0.50) / 1000,
            scheduler.Lateness.Percentile(0.99) / 1000,
            scheduler.Lateness.Max / 1000.0);
    }

    private readonly record struct Probe(int Id, int Generation);

    private sealed class Handler(ScenarioScheduler<Probe> scheduler, int followUps, long followUpWindow, Random random, int total)
        : IScenarioActionHandler<Probe>
    {
        private int _remainingFollowUps = followUps;
        private int _handled;

        public void Handle(in Probe action)
        {
            if (_remainingFollowUps > 0)
            {
                _remainingFollowUps--;
                scheduler.Schedule(scheduler.Now + (long)(random.NextDouble() * followUpWindow), new Probe(action.Id, action.Generation + 1));
            }
            if (++_handled == total)
            {
                scheduler.Stop();
            }
        }
    }
}
