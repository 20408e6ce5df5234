using System.Collections.Concurrent;
using CallCenter.LoadTests.Scheduling;
using CallCenter.Time;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Scheduling;

public sealed class ScenarioSchedulerTests(ITestOutputHelper output)
{
    private readonly record struct Tick(int Id);

    private sealed class Recorder(ScenarioScheduler<Tick> scheduler, int stopAfter) : IScenarioActionHandler<Tick>
    {
        public List<(int Id, long At)> Seen { get; } = [];

        public void Handle(in Tick action)
        {
            Seen.Add((action.Id, scheduler.Now));
            if (Seen.Count == stopAfter)
            {
                scheduler.Stop();
            }
        }
    }

    [Fact]
    public async Task Actions_run_in_due_order_and_not_before_they_are_due()
    {
        var clock = new ScaledTimeProvider(DateTimeOffset.UnixEpoch, 100);
        var scheduler = new ScenarioScheduler<Tick>(clock);
        var start = scheduler.Now;
        var dues = new Dictionary<int, long>();
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            // Scenario times within 20 s: 0.2 s of wall time at speed 100.
            var due = start + TimeSpan.FromSeconds(random.NextDouble() * 20).Ticks;
            dues[i] = due;
            scheduler.Schedule(due, new Tick(i));
        }
        var recorder = new Recorder(scheduler, 200);

        await scheduler.Start(recorder).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(dues.OrderBy(d => d.Value).ThenBy(d => d.Key).Select(d => d.Key), recorder.Seen.Select(s => s.Id));
        Assert.All(recorder.Seen, s => Assert.True(s.At >= dues[s.Id], $"action {s.Id} ran early"));
    }

    [Fact]
    public async Task Actions_due_at_the_same_time_run_in_the_order_scheduled()
    {
        var clock = new ScaledTimeProvider(DateTimeOffset.UnixEpoch, 1000);
        var scheduler = new ScenarioScheduler<Tick>(clock);
        var due = scheduler.Now + TimeSpan.FromSeconds(1).Ticks;
        for (var i = 0; i < 100; i++)
        {
            scheduler.Schedule(due, new Tick(i));
        }
        var recorder = new Recorder(scheduler, 100);

        await scheduler.Start(recorder).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 100), recorder.Seen.Select(s => s.Id));
    }

    [Fact]
    public async Task Events_posted_from_other_threads_all_arrive_and_wake_the_loop()
    {
        var clock = new ScaledTimeProvider(DateTimeOffset.UnixEpoch, 1);
        var scheduler = new ScenarioScheduler<Tick>(clock);
        // Nothing is due for an hour: only posts can wake the loop.
        scheduler.Schedule(scheduler.Now + TimeSpan.FromHours(1).Ticks, new Tick(-1));
        var recorder = new Recorder(scheduler, 4 * 5_000);
        var loop = scheduler.Start(recorder);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                scheduler.Post(new Tick(t * 5_000 + i));
            }
        })));
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 20_000), recorder.Seen.Select(s => s.Id).Order());
    }

    [Fact]
    public async Task A_handler_that_throws_is_counted_and_the_loop_goes_on()
    {
        var clock = new ScaledTimeProvider(DateTimeOffset.UnixEpoch, 1000);
        var scheduler = new ScenarioScheduler<Tick>(clock);
        var handled = new ConcurrentBag<int>();
        scheduler.Schedule(scheduler.Now, new Tick(1));
        scheduler.Schedule(scheduler.Now, new Tick(2));
        var loop = scheduler.Start(new Throwing(scheduler, handled));

        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, scheduler.Faults);
        Assert.Contains(2, handled);
    }

    private sealed class Throwing(ScenarioScheduler<Tick> scheduler, ConcurrentBag<int> handled) : IScenarioActionHandler<Tick>
    {
        public void Handle(in Tick action)
        {
            if (action.Id == 1)
            {
                throw new InvalidOperationException("boom");
            }
            handled.Add(action.Id);
            scheduler.Stop();
        }
    }

    /// <summary>
    /// Each handled action schedules another, as answers and hang-ups do, and the loop allocates a
    /// few bytes per action at most (counted on the loop's thread: the heap's growth only). The rate
    /// is printed, not asserted: wall-clock figures belong to the benchmarks, not to a shared machine's
    /// test run.
    /// </summary>
    [Fact]
    public void Runs_every_offered_action_with_little_allocation()
    {
        var result = SchedulerBenchmark.Run(actions: 200_000, wallSeconds: 1.0, speed: 1000);

        output.WriteLine($"{result.ActionsPerWallSecond:0} actions per wall second");
        Assert.Equal(200_000, result.Actions);
        Assert.True(result.BytesAllocatedPerAction < 16, $"{result.BytesAllocatedPerAction:0.0} bytes allocated per action");
    }
}
