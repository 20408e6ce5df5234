using System.Collections.Immutable;
using CallCenter.LoadTests.Hosting;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;
using CallCenter.Time;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>With --join the simulator is a client of a running cluster and counts records from its observer only.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class JoinedClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_joined_run_counts_every_call_from_the_observer()
    {
        const double Speed = 100;
        var scenario = new Scenario
        {
            Name = "joined",
            Seed = 4,
            Speed = Speed,
            DurationSeconds = 400,
            Queues = [new QueueSpec { Id = "q", WrapUpSeconds = 2 }],
            Agents = [new AgentGroupSpec { Count = 4, Queues = ImmutableDictionary<string, int>.Empty.Add("q", 1), AnswerDelaySeconds = Distribution.Uniform(0, 2) }],
            Arrivals = [new ArrivalSpec
            {
                Queue = "q",
                Service = "q",
                RatePerSecond = 0.1,
                HandleSeconds = Distribution.Exponential(20),
                PatienceSeconds = Distribution.Exponential(60),
            }],
        };
        // The "running cluster": a silo of its own, on its own clock at the scenario's speed.
        await using var cluster = await SimulationHost.StartInProcessAsync(new ScaledTimeProvider(DateTimeOffset.UtcNow, Speed));

        var report = await SimulationRunner.RunAsync(scenario, new RunOptions { Join = cluster.Gateway }, new TestOutputWriter(output));

        var result = report.Result;
        Assert.Equal(("join", "observer"), (result.Mode, result.CdrSource));
        Assert.True(result.Offered > 0);
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
        Assert.Equal(result.Offered, result.CdrRecords);
        Assert.Equal(0, result.SinkRecords);
        Assert.Equal(result.Offered, cluster.Sink!.Written);
    }
}
