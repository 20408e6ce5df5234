using CallCenter.LoadTests.Bench;
using CallCenter.LoadTests.Hosting;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Tests.Scenarios;
using CallCenter.LoadTests.Tests.Simulation;
using CallCenter.Time;

namespace CallCenter.LoadTests.Tests.Bench;

[Collection(SimulatorCollection.Name)]
public sealed class PingAndMemoryTests
{
    /// <summary>The ping reference counts what the silo's filter saw; held calls are started and all hung up again.</summary>
    [Fact]
    public async Task Ping_counts_grain_calls_and_live_calls_are_held_then_released()
    {
        var clock = new ScaledTimeProvider(DateTimeOffset.UtcNow, 1);
        await using var host = await SimulationHost.StartInProcessAsync(clock);
        var counter = Assert.IsType<GrainCallCounter>(host.GrainCalls);
        var ping = await PingBenchmark.RunAsync(host.Grains, counter, TimeSpan.FromSeconds(0.5), CancellationToken.None);
        Assert.True(ping.Calls > PingBenchmark.Concurrency, $"{ping.Calls} pings");
        Assert.Equal(ping.Calls / ping.WallSeconds, ping.MessagesPerSecond, 6);

        var live = await LiveCallMemory.MeasureAsync(host.Grains, 200, "t" + Guid.NewGuid().ToString("N")[..6], CancellationToken.None);
        Assert.Equal(200, live.Calls);
        // Every held call was hung up: the queue counts them abandoned (its counters may lag the hang-ups a moment).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var abandoned = 0;
        while (DateTime.UtcNow < deadline && (abandoned = (await host.Grains.GetQueue(LiveCallMemory.QueueId).GetStatistics()).Today.Abandoned) < 200)
        {
            await Task.Delay(100);
        }
        Assert.Equal(200, abandoned);
    }

    /// <summary>The million-call scenario reads cleanly and has the shape the issue asks for.</summary>
    [Fact]
    public void Provincial_31_is_a_day_of_a_million_calls_over_31_regions_and_10000_agents()
    {
        var read = ScenarioReader.ReadFile(ExampleScenarios.PathOf("provincial-31.json"));
        Assert.Empty(read.Warnings);
        var s = read.Scenario;
        Assert.Equal(31, s.Queues.Count(q => q.Region is not null));
        Assert.Contains(s.Queues, q => q.Id == "common");
        Assert.Equal(10_000, s.Agents.Sum(a => a.Count));
        Assert.Equal(86_400, s.DurationSeconds);
        var expectedCalls = s.Arrivals.Sum(a => a.Profile.Sum(p => a.RatePerSecond * p.Multiplier * (p.ToSeconds - p.FromSeconds)));
        Assert.InRange(expectedCalls, 990_000, 1_010_000);
        Assert.All(s.Arrivals, a => Assert.Equal(48, a.Profile.Length));
        Assert.Empty(new ScenarioPlan(s).CheckAgainstGrains());
    }
}
