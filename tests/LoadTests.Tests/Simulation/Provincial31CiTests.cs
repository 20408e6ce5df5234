using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;
using CallCenter.LoadTests.Tests.Scenarios;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>
/// The provincial day (issue 7) at CI size: the morning peak from 09:00, 1 % of the staff and 4 % of
/// the arrivals (four times the load the staff is sized for, so that callers wait past the regions'
/// 60 s and overflow for sure rather than by luck), about 150 calls, on the in-process silo. Every region's queue and the national
/// common group are there, each agent group with at least one agent. It checks the books, never
/// the speed (the million-call figure comes from the real run in loadtests/README.md).
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class Provincial31CiTests(ITestOutputHelper output)
{
    private const double Fraction = 0.01;

    [Fact]
    public async Task A_window_of_the_provincial_day_loses_no_call_and_overflows_to_the_common_group()
    {
        var scenario = ScenarioReader.ReadFile(ExampleScenarios.PathOf("provincial-31.json")).Scenario;
        var options = new RunOptions
        {
            ScenarioPath = "provincial-31.json",
            FromSeconds = 9 * 3600,
            StaffFraction = Fraction,
            RateMultiplier = 4 * Fraction,
            Calls = 150,
            // Slower than the scenario's 300: a loaded CI host must still keep up with 15 s ring timeouts.
            Speed = 100,
            DrainWallCapSeconds = 120,
        };

        var report = await SimulationRunner.RunAsync(scenario, options, new TestOutputWriter(output));

        var result = report.Result;
        output.WriteLine(result.ToJson());
        var regions = scenario.Queues.Where(q => q.Region is not null).Select(q => q.Id).ToList();
        Assert.Equal(31, regions.Count);
        Assert.Contains(scenario.Queues, q => q.Id == "common");
        Assert.Equal(scenario.Agents.Sum(g => ScenarioWindow.Staff(g.Count, Fraction)), result.Agents);
        Assert.True(result.Offered >= 100, $"only {result.Offered} calls offered");
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
        // Every call one outcome, and one record.
        Assert.Equal(0, result.DuplicateCdrs);
        Assert.Equal(result.Offered, result.CdrRecords);
        Assert.Equal(result.Offered, result.SinkRecords);
        Assert.Equal(result.Offered, result.Answered + result.Abandoned + result.OtherOutcomes.Values.Sum());
        // Calls that entered a region overflowed to the common group (its only overflow target).
        Assert.True(result.Overflowed > 0, "no call overflowed");
        Assert.True(result.Queues.Values.Where(q => q.Region is not null).Sum(q => q.Overflowed) > 0, "no regional call overflowed");
        Assert.True(result.Queues.ContainsKey("common"));
    }
}
