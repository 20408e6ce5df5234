using System.Collections.Immutable;
using CallCenter.Calls;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>
/// With exponential patience the simulator's abandonment rate, measured on the real grains,
/// matches Erlang A (M/M/n+M): two replica queues of 5 agents, λ = 0.5/s, exponential handle
/// (mean 10 s) and patience (mean 10 s), about 2,000 calls in a 20-second run. Erlang A says
/// 17.4 % abandon.
///
/// Tolerance from the sample itself, by batch means: each queue's calls after a 100 s warm-up
/// are cut into 10 batches by arrival time (about 90 calls and 190 s each, many times the
/// queue's relaxation time of a few handle times, so the batches are nearly independent); the
/// 20 batch shares give a standard error, and the measured share must lie within Student's
/// t(0.999, 19) = 3.88 of them of the model, plus 0.01 for latency (each call's grain hops add
/// about a millisecond of wall time, 0.1 s of scenario time at speed 100, 1 % of a handle
/// time). A correct simulator fails about once in 1,000 runs; a patience timer that never
/// fired, or fired twice as early, would be off by ten or more standard errors. The test also
/// insists that the tolerance is tight enough to mean something (under 0.07).
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class ErlangAAgreementTests(ITestOutputHelper output)
{
    private const double Rate = 0.5, Handle = 10, Patience = 10, WarmUp = 100, Duration = 2_000;
    private const int Agents = 5, Batches = 10;

    internal static Scenario Scenario(double patienceMean = Patience) => new()
    {
        Name = "erlang-a",
        Seed = 11,
        Speed = 100,
        DurationSeconds = Duration,
        Queues = [.. new[] { "qa", "qb" }.Select(id => new QueueSpec { Id = id, ServiceLevelSeconds = 2, RingTimeoutSeconds = 600 })],
        Agents = [.. new[] { "qa", "qb" }.Select(id => new AgentGroupSpec { Count = Agents, IdPrefix = id + "-", Queues = ImmutableDictionary<string, int>.Empty.Add(id, 1) })],
        Arrivals = [.. new[] { "qa", "qb" }.Select(id => new ArrivalSpec
        {
            Queue = id,
            Service = id,
            RatePerSecond = Rate,
            HandleSeconds = Distribution.Exponential(Handle),
            PatienceSeconds = Distribution.Exponential(patienceMean),
        })],
        Routing = [RouteSpec.ForService("qa", null, "qa"), RouteSpec.ForService("qb", null, "qb")],
    };

    [Fact]
    public void Plain_queues_with_exponential_patience_get_an_erlang_a_model()
    {
        var plan = new ScenarioPlan(Scenario());
        var model = ErlangCModel.ErlangAFor(plan, "qa")!;
        Assert.Equal((5, 10.0, 5.0), (model.Agents, model.MeanPatienceSeconds, model.OfferedLoadErlangs));
        Assert.Null(ErlangCModel.For(plan, "qa"));
        Assert.Null(ErlangCModel.ErlangAFor(new ScenarioPlan(Scenario() with { Arrivals = [.. Scenario().Arrivals.Select(a => a with { PatienceSeconds = Distribution.Uniform(5, 15) })] }), "qa"));
    }

    [Fact]
    public async Task Abandonment_matches_erlang_a_within_the_batch_means_tolerance()
    {
        var report = await SimulationRunner.RunAsync(Scenario(), new RunOptions { KeepCallSamples = true }, new TestOutputWriter(output));
        var r = report.Result;
        Assert.Equal(0, r.Lost);
        Assert.Equal(0, r.InvariantViolations);
        var model = r.Queues["qa"].ErlangA!;

        var span = (Duration - WarmUp) / Batches;
        var shares = new List<double>();
        long calls = 0, abandoned = 0;
        foreach (var queue in new[] { "qa", "qb" })
        {
            for (var b = 0; b < Batches; b++)
            {
                var batch = report.Calls.Where(c => c.EntryQueue == queue && c.ArrivalSeconds >= WarmUp + b * span && c.ArrivalSeconds < WarmUp + (b + 1) * span).ToList();
                var gaveUp = batch.Count(c => c.Outcome == CallOutcome.Abandoned);
                shares.Add(batch.Count == 0 ? 0 : gaveUp / (double)batch.Count);
                calls += batch.Count;
                abandoned += gaveUp;
            }
        }
        var measured = abandoned / (double)calls;
        var mean = shares.Average();
        var standardError = Math.Sqrt(shares.Sum(s => (s - mean) * (s - mean)) / (shares.Count - 1) / shares.Count);
        var tolerance = 3.88 * standardError + 0.01;
        output.WriteLine($"measured abandonment {measured:0.0000} over {calls} calls; Erlang A {model.AbandonProbability:0.0000}; batch SE {standardError:0.0000}; tolerance {tolerance:0.0000}");
        Assert.True(tolerance < 0.07, $"tolerance {tolerance} too loose to mean anything");
        Assert.InRange(measured, model.AbandonProbability - tolerance, model.AbandonProbability + tolerance);
    }
}
