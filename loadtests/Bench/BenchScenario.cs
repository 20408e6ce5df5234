using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Bench;

/// <summary>
/// The built-in benchmark: many agents over a few queues, short exponential handle times, and
/// arrival rates that keep the agents about 85% busy (occupancy = λ·AHT / n), so that most calls
/// find an agent at once and the routing decision is what is timed. A fifth of the agents also
/// serve a second queue at level 2, so that the multi-queue path (peek, claim) carries load too.
/// </summary>
public static class BenchScenario
{
    public const double TargetOccupancy = 0.85;
    public const double HandleSeconds = 30;
    public const int QueueCount = 4;

    public static Scenario Create(int agents, int calls, double speed, double rateMultiplier = 1)
    {
        var perQueue = Math.Max(1, agents / QueueCount);
        var ratePerQueue = TargetOccupancy * perQueue / HandleSeconds;
        var duration = calls / (ratePerQueue * QueueCount * rateMultiplier);
        var queues = Enumerable.Range(1, QueueCount).Select(q => new QueueSpec
        {
            Id = $"bench-{q}",
            Name = $"Benchmark queue {q}",
            Region = $"r{q}",
            Strategy = RoutingStrategy.LongestIdle,
            ServiceLevelSeconds = 20,
            RingTimeoutSeconds = 15,
        });
        var groups = Enumerable.Range(1, QueueCount).SelectMany(q => new[]
        {
            new AgentGroupSpec
            {
                Count = perQueue - perQueue / 5,
                IdPrefix = $"b{q}-",
                Region = $"r{q}",
                Queues = ImmutableDictionary<string, int>.Empty.Add($"bench-{q}", 1),
            },
            new AgentGroupSpec
            {
                Count = perQueue / 5,
                IdPrefix = $"b{q}x-",
                Region = $"r{q}",
                Queues = ImmutableDictionary<string, int>.Empty.Add($"bench-{q}", 1).Add($"bench-{q % QueueCount + 1}", 2),
            },
        }).Where(g => g.Count > 0);
        var arrivals = Enumerable.Range(1, QueueCount).Select(q => new ArrivalSpec
        {
            Queue = $"bench-{q}",
            Service = $"bench-{q}",
            RatePerSecond = ratePerQueue,
            HandleSeconds = Distribution.Exponential(HandleSeconds),
            CallerPrefix = "0731",
        });
        return new Scenario
        {
            Name = "bench",
            Seed = 1,
            Speed = speed,
            DurationSeconds = duration,
            Queues = [.. queues],
            Agents = [.. groups],
            Arrivals = [.. arrivals],
        };
    }
}
