using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;
using CallCenter.LoadTests.Tests.Scenarios;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>The example scenarios run against the real grains with no lost call and no invariant violated.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class ExampleScenarioTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("small.json")]
    [InlineData("provincial.json")]
    [InlineData("skills.json")]
    public async Task Runs_with_every_call_accounted_for(string file)
    {
        var scenario = ScenarioReader.ReadFile(ExampleScenarios.PathOf(file)).Scenario;

        var report = await SimulationRunner.RunAsync(
            scenario, new RunOptions { ScenarioPath = file, DrainWallCapSeconds = 30 }, new TestOutputWriter(output));

        var result = report.Result;
        output.WriteLine(result.ToJson());
        Assert.True(result.Offered > 0);
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
        Assert.Equal(0, result.DuplicateCdrs);
        Assert.Equal(result.Offered, result.CdrRecords);
        Assert.Equal(result.Offered, result.SinkRecords);
        Assert.Equal(result.Offered, result.Answered + result.Abandoned + result.OtherOutcomes.Values.Sum());
        Assert.True(result.WallSeconds < 20, $"took {result.WallSeconds:0.0} wall s");
    }
}
