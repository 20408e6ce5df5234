using CallCenter.LoadTests.Theory;
using FsCheck;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Theory;

public sealed class ErlangATests
{
    /// <summary>
    /// With patience equal to the handle time (θ = μ) every call in the system leaves at the same
    /// rate whether served or waiting, so the number in the system is Poisson(A) exactly (as in
    /// M/M/∞): P(wait) = P(K ≥ n) and E[queue] = E[(K − n)+]. A = 5, n = 5: P(K ≤ 4) = 0.44049.
    /// </summary>
    [Fact]
    public void Patience_equal_to_the_handle_time_gives_the_poisson_distribution()
    {
        var model = new ErlangA(5, 0.5, 10, 10);
        double p = Math.Exp(-5), below = 0, queue = 0;
        for (var k = 0; k < 200; k++)
        {
            if (k < 5)
            {
                below += p;
            }
            else
            {
                queue += (k - 5) * p;
            }
            p *= 5.0 / (k + 1);
        }
        Assert.Equal(0.44049, below, 5);
        Assert.Equal(1 - below, model.ProbabilityOfWaiting, 9);
        Assert.Equal(queue, model.MeanQueueLength, 9);
        Assert.Equal(0.1 * queue / 0.5, model.AbandonProbability, 9);
    }

    /// <summary>
    /// Against an independent event-by-event simulation of M/M/n+M (200,000 calls each, written
    /// for this check; standard errors about 0.001 on the shares and 0.02 s on ASA, so 0.01 and
    /// 0.1 s are four or more of them): the service level and ASA come from the tagged-caller
    /// integration, which the identities above do not reach.
    ///   n=5, λ=0.5/s, AHT 10 s, patience 10 s, t=2 s:  P(wait) 0.5560  P(abandon) 0.1740  SL 0.6545  ASA 1.533 s
    ///   n=3, λ=0.5/s, AHT 10 s, patience 20 s, t=5 s:  P(wait) 0.9441  P(abandon) 0.4168  SL 0.2268  ASA 9.395 s
    /// </summary>
    [Theory]
    [InlineData(5, 0.5, 10, 10, 2, 0.5560, 0.1740, 0.6545, 1.533)]
    [InlineData(3, 0.5, 10, 20, 5, 0.9441, 0.4168, 0.2268, 9.395)]
    public void Agrees_with_an_independent_simulation(int n, double rate, double aht, double patience, double t, double wait, double abandon, double serviceLevel, double asa)
    {
        var model = new ErlangA(n, rate, aht, patience);
        Assert.InRange(model.ProbabilityOfWaiting, wait - 0.01, wait + 0.01);
        Assert.InRange(model.AbandonProbability, abandon - 0.01, abandon + 0.01);
        Assert.InRange(model.ServiceLevel(t), serviceLevel - 0.01, serviceLevel + 0.01);
        Assert.InRange(model.AverageSpeedOfAnswerSeconds, asa - 0.1, asa + 0.1);
    }

    /// <summary>Very patient callers (mean a million seconds) make Erlang A into Erlang C.</summary>
    [Theory]
    [InlineData(12, 0.5, 20, 20)]
    [InlineData(105, 1.0, 100, 20)]
    public void Tends_to_erlang_c_as_patience_grows(int n, double rate, double aht, double t)
    {
        var a = new ErlangA(n, rate, aht, 1e6);
        var c = ErlangC.For(n, rate, aht);
        Assert.Equal(c.ProbabilityOfWaiting, a.ProbabilityOfWaiting, 3);
        Assert.Equal(c.ServiceLevel(t), a.ServiceLevel(t), 3);
        Assert.Equal(c.AverageSpeedOfAnswerSeconds, a.AverageSpeedOfAnswerSeconds, 1);
    }

    /// <summary>
    /// Whatever the load: probabilities stay in [0, 1], abandonment balances (λ·P(abandon) =
    /// θ·E[queue]), more agents never abandon more nor answer fewer within the threshold, and
    /// answered within a threshold never exceeds answered at all. (The service level as a ratio,
    /// which leaves out callers who give up early, need not grow with n in deep overload.)
    /// </summary>
    [Property(MaxTest = 60)]
    public bool Is_consistent_and_monotone_in_agents(PositiveInt agents, PositiveInt rateTenths, PositiveInt patience)
    {
        var n = agents.Get % 40 + 1;
        var rate = rateTenths.Get % 50 / 10.0 + 0.1;
        var mean = patience.Get % 300 + 5.0;
        var model = new ErlangA(n, rate, 30, mean);
        var more = new ErlangA(n + 1, rate, 30, mean);
        var within = model.AnsweredWithin(20);
        return model.ProbabilityOfWaiting is >= 0 and <= 1
            && model.AbandonProbability is >= 0 and <= 1
            && model.AbandonProbability <= model.ProbabilityOfWaiting + 1e-9
            && Math.Abs(rate * model.AbandonProbability - model.MeanQueueLength / mean) < 1e-9 * Math.Max(1, model.MeanQueueLength)
            && within <= 1 - model.AbandonProbability + 1e-6
            && more.AbandonProbability <= model.AbandonProbability + 1e-12
            && more.AnsweredWithin(20) >= within - 1e-6;
    }

    [Fact]
    public void Staffing_finds_the_fewest_agents_that_meet_the_target()
    {
        var n = ErlangA.AgentsForServiceLevel(2, 180, 120, 20, 0.8);
        Assert.True(new ErlangA(n, 2, 180, 120).ServiceLevel(20) >= 0.8);
        Assert.True(new ErlangA(n - 1, 2, 180, 120).ServiceLevel(20) < 0.8);
        // Abandonment thins the queue: fewer agents than Erlang C asks for.
        Assert.True(n < ErlangC.AgentsForServiceLevel(2, 180, 20, 0.8));
    }

    [Fact]
    public void Refuses_bad_input()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ErlangA(0, 1, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ErlangA(1, -1, 10, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ErlangA(1, 1, 10, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => ErlangA.AgentsForServiceLevel(1, 10, 10, 20, 1));
    }
}
