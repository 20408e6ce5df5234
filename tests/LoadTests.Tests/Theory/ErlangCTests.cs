using CallCenter.LoadTests.Theory;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Theory;

public sealed class ErlangCTests
{
    /// <summary>Published Erlang C table for 10 Erlangs (probability of waiting, to 4 places).</summary>
    [Theory]
    [InlineData(11, 0.6821)]
    [InlineData(12, 0.4494)]
    [InlineData(13, 0.2853)]
    [InlineData(14, 0.1741)]
    [InlineData(15, 0.1020)]
    public void Probability_of_waiting_matches_the_published_table_for_10_erlangs(int agents, double expected)
    {
        Assert.Equal(expected, new ErlangC(agents, 10, 20).ProbabilityOfWaiting, 4);
    }

    [Theory]
    [InlineData(12, 4.4939, 0.9392)]
    [InlineData(13, 1.9018, 0.9858)]
    [InlineData(15, 0.4082, 0.9993)]
    public void Asa_and_service_level_follow_from_the_probability_of_waiting(int agents, double asa, double serviceLevel20)
    {
        var model = ErlangC.For(agents, arrivalRatePerSecond: 0.5, meanHandleSeconds: 20);

        Assert.Equal(10, model.OfferedLoadErlangs, 9);
        Assert.Equal(asa, model.AverageSpeedOfAnswerSeconds, 3);
        Assert.Equal(serviceLevel20, model.ServiceLevel(20), 4);
    }

    [Fact]
    public void Erlang_b_recursion_agrees_with_the_closed_form()
    {
        // B(n, A) = (A^n / n!) / Σ_{k≤n} A^k / k!
        for (var n = 0; n <= 30; n++)
        {
            foreach (var load in new[] { 0.5, 5.0, 17.3, 29.0 })
            {
                double term = 1, sum = 1;
                for (var k = 1; k <= n; k++)
                {
                    term *= load / k;
                    sum += term;
                }
                Assert.Equal(term / sum, ErlangC.ErlangB(n, load), 12);
            }
        }
    }

    [Fact]
    public void Large_centres_stay_finite()
    {
        var model = new ErlangC(2_000, 1_900, 30);

        Assert.InRange(model.ProbabilityOfWaiting, 0, 1);
        Assert.True(double.IsFinite(model.AverageSpeedOfAnswerSeconds));
    }

    [Fact]
    public void An_overloaded_queue_always_waits()
    {
        var model = new ErlangC(10, 10, 20);

        Assert.False(model.IsStable);
        Assert.Equal(1, model.ProbabilityOfWaiting);
        Assert.Equal(0, model.ServiceLevel(20));
        Assert.Equal(double.PositiveInfinity, model.AverageSpeedOfAnswerSeconds);
    }

    [Fact]
    public void Staffing_finds_the_fewest_agents_meeting_the_target()
    {
        // 10 Erlangs, AHT 20 s, 80% within 20 s: 11 agents give 74.9%, 12 give 93.9%.
        Assert.Equal(12, ErlangC.AgentsForServiceLevel(0.5, 20, 20, 0.80));
        Assert.Equal(11, ErlangC.AgentsForServiceLevel(0.5, 20, 20, 0.70));
    }

    [Property(MaxTest = 200)]
    public Property Figures_are_consistent(PositiveInt agentsSeed, NormalFloat loadSeed, NormalFloat thresholdSeed)
    {
        var agents = agentsSeed.Get % 200 + 1;
        var load = Math.Abs(loadSeed.Get) % agents;
        var threshold = Math.Abs(thresholdSeed.Get) % 120;
        var model = new ErlangC(agents, load, 30);
        var more = new ErlangC(agents + 1, load, 30);

        var pw = model.ProbabilityOfWaiting;
        return (pw is >= 0 and <= 1).Label($"P(wait) {pw} in [0,1]")
            .And(more.ProbabilityOfWaiting <= pw + 1e-12).Label("more agents wait less")
            .And(model.ServiceLevel(threshold) >= model.ServiceLevel(0) - 1e-12).Label("SL grows with the threshold")
            .And(Math.Abs(model.ServiceLevel(0) - (1 - pw)) < 1e-12).Label("SL(0) = 1 - P(wait)")
            .And(ErlangC.ErlangB(agents, load) <= pw + 1e-12).Label("blocking B <= waiting C")
            .And(Math.Abs(model.AverageSpeedOfAnswerSeconds - pw * model.MeanWaitOfDelayedCallsSeconds) < 1e-9 * (1 + model.AverageSpeedOfAnswerSeconds))
            .Label("ASA = C x mean wait of delayed calls");
    }

    [Property(MaxTest = 100)]
    public Property Staffing_is_minimal(PositiveInt rateSeed, PositiveInt targetSeed)
    {
        var rate = rateSeed.Get % 50 / 10.0 + 0.1;
        var target = targetSeed.Get % 95 / 100.0;
        var n = ErlangC.AgentsForServiceLevel(rate, 30, 20, target);

        var meets = ErlangC.For(n, rate, 30).ServiceLevel(20) >= target;
        var fewerFail = n - 1 <= rate * 30 || ErlangC.For(n - 1, rate, 30).ServiceLevel(20) < target;
        return (meets && fewerFail).Label($"rate {rate}, target {target}: n = {n}");
    }
}
