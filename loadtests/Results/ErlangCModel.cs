using CallCenter.Acd;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Theory;

namespace CallCenter.LoadTests.Results;

/// <summary>
/// Decides whether a queue of a scenario is a plain M/M/n queue that Erlang C describes, or a
/// plain M/M/n+M queue (exponential patience) that Erlang A describes.
/// </summary>
public static class ErlangCModel
{
    /// <summary>
    /// The Erlang C model of <paramref name="queueId"/>, or null unless: one Poisson stream with a
    /// constant rate enters it and nothing else does (no routes or overflows from elsewhere), its
    /// handle time is exponential, nobody abandons (patience none), it has no overflow, max wait, relaxation or
    /// wrap-up, calls need no skills, and its agents serve it alone, log in ready, and answer at
    /// once every time.
    /// </summary>
    public static ErlangC? For(ScenarioPlan plan, string queueId, double rateMultiplier = 1) =>
        Plain(plan, queueId) is { Arrival.PatienceSeconds.IsNone: true } q
            ? ErlangC.For(q.Agents, q.Arrival.RatePerSecond * rateMultiplier, q.Arrival.HandleSeconds.Mean)
            : null;

    /// <summary>The Erlang A model of <paramref name="queueId"/>: as <see cref="For"/>, but callers abandon after an exponential patience.</summary>
    public static ErlangA? ErlangAFor(ScenarioPlan plan, string queueId, double rateMultiplier = 1) =>
        Plain(plan, queueId) is { Arrival.PatienceSeconds: ExponentialDistribution patience } q
            ? new ErlangA(q.Agents, q.Arrival.RatePerSecond * rateMultiplier, q.Arrival.HandleSeconds.Mean, patience.Mean)
            : null;

    private static (ArrivalSpec Arrival, int Agents)? Plain(ScenarioPlan plan, string queueId)
    {
        var scenario = plan.Scenario;
        var queue = scenario.Queues.FirstOrDefault(q => q.Id == queueId);
        if (queue is null
            || !queue.Overflow.IsEmpty || queue.MaxWaitSeconds is not null || !queue.Relaxation.IsEmpty || queue.WrapUpSeconds > 0)
        {
            return null;
        }
        if (scenario.Queues.Any(q => q.Overflow.Any(o => o.To == queueId) || (q.MaxWaitAction == MaxWaitAction.Overflow && q.MaxWaitTarget == queueId)))
        {
            return null;
        }

        var arrivals = scenario.Arrivals.Where(a => plan.ExpectedEntryQueue(a) == queueId || a.Queue == queueId).ToList();
        if (arrivals.Count != 1)
        {
            return null;
        }
        var arrival = arrivals[0];
        if (plan.ExpectedEntryQueue(arrival) != queueId
            || arrival.Process != ArrivalProcess.Poisson || !arrival.Profile.IsEmpty || arrival.RatePerSecond <= 0
            || arrival.HandleSeconds is not ExponentialDistribution || !arrival.Skills.IsEmpty)
        {
            return null;
        }

        var groups = scenario.Agents.Where(g => g.Queues.ContainsKey(queueId)).ToList();
        var baseLevel = queue.BaseLevel ?? int.MaxValue;
        if (groups.Count == 0 || groups.Any(g =>
                g.Queues.Count != 1 || !g.LoginReady || g.AnswerProbability < 1 || g.Queues[queueId] > baseLevel
                || g.AnswerDelaySeconds is not ConstantDistribution { Value: 0 }))
        {
            return null;
        }
        return (arrival, groups.Sum(g => g.Count));
    }
}
