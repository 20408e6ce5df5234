using System.Collections.Immutable;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>The simulator's own behaviour at the edges: refused calls, rings left to ring out, runs cut off.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class SimulatorBehaviourTests(ITestOutputHelper output)
{
    private static readonly ImmutableDictionary<string, int> InQueue = ImmutableDictionary<string, int>.Empty.Add("q", 1);

    private static Scenario Base(double duration = 300) => new()
    {
        Name = "edge",
        Seed = 2,
        Speed = 100,
        DurationSeconds = duration,
        Queues = [new QueueSpec { Id = "q" }],
        Agents = [new AgentGroupSpec { Count = 3, Queues = InQueue }],
        Arrivals = [new ArrivalSpec { Queue = "q", Service = "q", RatePerSecond = 0.05, HandleSeconds = Distribution.Exponential(20) }],
    };

    [Fact]
    public async Task Calls_that_are_refused_or_disconnected_end_with_a_rejected_record_and_are_not_lost()
    {
        var scenario = Base() with
        {
            // A service no route and no queue answers to (the file reader would refuse it; the
            // call grain refuses the call at Start), and a queue that disconnects after 5 s.
            Queues = [new QueueSpec { Id = "q", MaxWaitSeconds = 5, MaxWaitAction = CallCenter.Acd.MaxWaitAction.Disconnect }],
            Agents = [new AgentGroupSpec { Count = 1, Queues = InQueue, LoginReady = false }],
            Arrivals =
            [
                new ArrivalSpec { Queue = "q", Service = "nowhere", RatePerSecond = 0.05, HandleSeconds = Distribution.Constant(10) },
                new ArrivalSpec { Queue = "q", Service = "q", RatePerSecond = 0.05, HandleSeconds = Distribution.Constant(10) },
            ],
        };

        var report = await SimulationRunner.RunAsync(scenario, new RunOptions { KeepCallSamples = true }, new TestOutputWriter(output));

        var result = report.Result;
        Assert.True(result.Offered > 10);
        Assert.Equal(result.Offered, result.OtherOutcomes["rejected"]);
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
    }

    [Fact]
    public async Task Calls_offered_beyond_the_admission_limit_are_refused_at_the_door_and_every_admitted_call_ends_with_one_record()
    {
        // Eight times what three agents can take, and a silo that holds at most four live calls.
        var scenario = Base(duration: 200) with
        {
            Arrivals = [new ArrivalSpec { Queue = "q", Service = "q", RatePerSecond = 0.3, HandleSeconds = Distribution.Constant(80) }],
        };

        var report = await SimulationRunner.RunAsync(scenario,
            new RunOptions { Admission = new CallCenter.Calls.CallAdmissionOptions { MaxLiveCalls = 4 } }, new TestOutputWriter(output));

        var result = report.Result;
        Assert.True(result.Refused > 0, "no call was refused");
        Assert.True(result.Answered > 0, "no call was served");
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
        Assert.Equal(0, result.DuplicateCdrs);
        // Every offered call was either refused (no record) or ended with exactly one record.
        Assert.Equal(result.Offered, result.Refused + result.CdrRecords);
        Assert.Equal(result.CdrRecords, result.SinkRecords);
        Assert.Equal(result.Refused, result.Queues["q"].Refused);
        Assert.Equal("every call ended", result.FinishReason);
    }

    [Fact]
    public async Task Agents_who_let_calls_ring_out_recover_and_every_call_is_still_answered()
    {
        var scenario = Base(duration: 600) with
        {
            Queues = [new QueueSpec { Id = "q", RingTimeoutSeconds = 10 }],
            Agents = [new AgentGroupSpec { Count = 4, Queues = InQueue, AnswerProbability = 0.6, AnswerDelaySeconds = Distribution.Constant(1) }],
        };

        var result = (await SimulationRunner.RunAsync(scenario, new RunOptions(), new TestOutputWriter(output))).Result;

        Assert.True(result.AgentActivity.RingsLeftUnanswered > 0);
        Assert.True(result.NotReadyRecoveries.GetValueOrDefault("no-answer") > 0);
        Assert.Equal(result.Offered, result.Answered);
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
        Assert.Equal(4, result.AgentsAtEnd.GetValueOrDefault("Ready"));
    }

    [Fact]
    public async Task A_run_cut_off_by_its_drain_limit_reports_the_calls_lost_and_frees_the_agents()
    {
        var scenario = Base(duration: 100) with
        {
            Agents = [new AgentGroupSpec { Count = 1, Queues = InQueue }],
            Arrivals = [new ArrivalSpec { Queue = "q", Service = "q", RatePerSecond = 0.03, Process = ArrivalProcess.Uniform, HandleSeconds = Distribution.Constant(1_000) }],
            DrainSeconds = 20,
        };

        var result = (await SimulationRunner.RunAsync(scenario, new RunOptions(), new TestOutputWriter(output))).Result;

        Assert.Equal(3, result.Offered);
        Assert.Equal(3, result.Lost);
        Assert.Equal(3, result.AgentActivity.CleanupHangups);
        Assert.Equal("drain limit reached", result.FinishReason);
        Assert.Equal(0, result.AgentActivity.LogoutErrors);
        Assert.Equal(0, result.GrainCallErrors);
    }
}
