using CallCenter.LoadTests.Theory;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Theory;

public sealed class FifoReplayTests
{
    [Fact]
    public void One_agent_serves_callers_in_turn()
    {
        var waits = FifoReplay.Waits([(0, 10), (1, 10), (2, 1), (30, 5)], agents: 1);

        Assert.Equal([0, 9, 18, 0], waits);
    }

    [Fact]
    public void Two_agents_take_the_first_two_callers_at_once()
    {
        var waits = FifoReplay.Waits([(0, 10), (0, 4), (1, 1)], agents: 2);

        Assert.Equal([0, 0, 3], waits);
    }

    [Property(MaxTest = 200)]
    public Property More_agents_never_make_anyone_wait_longer(PositiveInt seed, PositiveInt agentsSeed)
    {
        var random = new Random(seed.Get);
        var calls = Enumerable.Range(0, 200)
            .Select(_ => (Arrival: random.NextDouble() * 1000, Service: random.NextDouble() * 60))
            .OrderBy(c => c.Arrival)
            .ToList();
        var agents = agentsSeed.Get % 10 + 1;

        var fewer = FifoReplay.Waits(calls, agents);
        var more = FifoReplay.Waits(calls, agents + 1);
        return fewer.Zip(more).All(x => x.Second <= x.First + 1e-9 && x.Second >= 0).ToProperty();
    }

    /// <summary>Long replays of the M/M/n model reproduce Erlang C's closed-form figures.</summary>
    [Theory]
    [InlineData(12)]
    [InlineData(15)]
    public void A_long_m_m_n_replay_matches_erlang_c(int agents)
    {
        var random = new Random(agents);
        var calls = new List<(double, double)>();
        for (var t = 0.0; t < 2_000_000; t += -2 * Math.Log(1 - random.NextDouble()))
        {
            calls.Add((t, -20 * Math.Log(1 - random.NextDouble())));
        }

        var waits = FifoReplay.Waits(calls, agents);

        var model = ErlangC.For(agents, 0.5, 20);
        Assert.Equal(model.ProbabilityOfWaiting, waits.Count(w => w > 0) / (double)waits.Length, 2);
        Assert.Equal(model.ServiceLevel(2), waits.Count(w => w <= 2) / (double)waits.Length, 2);
        Assert.InRange(waits.Average(), 0.93 * model.AverageSpeedOfAnswerSeconds, 1.07 * model.AverageSpeedOfAnswerSeconds);
    }
}
