using System.Collections.Immutable;
using System.Globalization;
using CallCenter.Acd;
using CallCenter.Agents;

namespace CallCenter.LoadTests.Scenarios;

/// <summary>One virtual agent: its grain id, the group it was made from and the profile it is configured with.</summary>
public sealed record AgentPlan(string Id, int Group, AgentProfile Profile);

/// <summary>
/// A scenario mapped onto the grain contracts: the routing table, each queue's
/// <see cref="QueueSettings"/> and each agent's <see cref="AgentProfile"/>.
/// </summary>
public sealed class ScenarioPlan
{
    public ScenarioPlan(Scenario scenario)
    {
        Scenario = scenario;
        RoutingTable = ToRoutingTable(scenario);
        Queues = [.. scenario.Queues.Select(ToQueueSettings)];
        Agents = [.. CreateAgents(scenario)];
        QueueIndex = scenario.Queues.Select((q, i) => (q.Id, i)).ToImmutableDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
    }

    public Scenario Scenario { get; }
    public RoutingTable RoutingTable { get; }
    public ImmutableArray<QueueSettings> Queues { get; }
    public ImmutableArray<AgentPlan> Agents { get; }
    public ImmutableDictionary<string, int> QueueIndex { get; }

    /// <summary>
    /// What the grains themselves would refuse (their own validators), named by scenario path, so
    /// that a scenario is rejected before any silo starts rather than half set up.
    /// </summary>
    public IReadOnlyList<ScenarioError> CheckAgainstGrains()
    {
        var errors = new List<ScenarioError>();
        for (var i = 0; i < Queues.Length; i++)
        {
            errors.AddRange(QueueSettingsValidator.Validate(Queues[i], Queues[i].Id)
                .Select(e => new ScenarioError($"{ScenarioReader.Root}.queues[{i}]", $"the queue grain refuses it: {e}")));
        }
        foreach (var first in Agents.GroupBy(a => a.Group).Select(g => g.First()))
        {
            errors.AddRange(AgentProfileValidator.Validate(first.Profile, first.Id)
                .Select(e => new ScenarioError($"{ScenarioReader.Root}.agents[{first.Group}]", $"the agent grain refuses it: {e}")));
        }
        return errors;
    }

    public static RoutingTable ToRoutingTable(Scenario scenario) => new(
        [.. scenario.Routing.Where(r => r.Kind == RouteKind.Prefix).Select(r => new RegionPrefix(r.Key, r.Region!))],
        [.. scenario.Routing.Where(r => r.Kind == RouteKind.Service).Select(r => new ServiceRoute(r.Key, r.Region, r.Queue!))],
        scenario.Routing.Where(r => r.Kind == RouteKind.Account).ToImmutableDictionary(r => r.Key, r => r.Region!, StringComparer.Ordinal));

    public static QueueSettings ToQueueSettings(QueueSpec q)
    {
        var settings = new QueueSettings
        {
            Id = q.Id,
            Name = q.Name,
            Region = q.Region,
            Strategy = q.Strategy,
            ServiceLevelThreshold = TimeSpan.FromSeconds(q.ServiceLevelSeconds),
            RingTimeout = TimeSpan.FromSeconds(q.RingTimeoutSeconds),
            WrapUp = TimeSpan.FromSeconds(q.WrapUpSeconds),
            MaxWait = q.MaxWaitSeconds is { } maxWait ? TimeSpan.FromSeconds(maxWait) : null,
            MaxWaitAction = q.MaxWaitAction,
            MaxWaitTarget = q.MaxWaitTarget,
            Overflow = [.. q.Overflow.Select(o => new OverflowRule(o.When, TimeSpan.FromSeconds(o.AfterSeconds), o.To))],
            Relaxation = [.. q.Relaxation.Select(s => new RelaxationStep(TimeSpan.FromSeconds(s.AfterSeconds), s.MaxLevel, s.ProficiencyReduction, s.DropSkills))],
        };
        if (q.BaseLevel is { } baseLevel)
        {
            settings = settings with { BaseMembershipLevel = baseLevel };
        }
        if (q.RingAllLimit is { } limit)
        {
            settings = settings with { RingAllLimit = limit };
        }
        return settings;
    }

    /// <summary>
    /// Ids are the group's prefix and a number zero-padded to at least four digits (a0001);
    /// groups that share a prefix continue its numbering so that ids never collide.
    /// </summary>
    public static IEnumerable<AgentPlan> CreateAgents(Scenario scenario)
    {
        var totals = scenario.Agents.GroupBy(g => g.IdPrefix).ToDictionary(g => g.Key, g => g.Sum(x => x.Count));
        var next = new Dictionary<string, int>();
        for (var group = 0; group < scenario.Agents.Length; group++)
        {
            var spec = scenario.Agents[group];
            var width = Math.Max(4, totals[spec.IdPrefix].ToString(CultureInfo.InvariantCulture).Length);
            var start = next.GetValueOrDefault(spec.IdPrefix);
            for (var i = 1; i <= spec.Count; i++)
            {
                var id = spec.IdPrefix + (start + i).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
                var name = spec.Name.Length > 0 ? $"{spec.Name} {start + i}" : "";
                yield return new AgentPlan(id, group, new AgentProfile
                {
                    Id = id,
                    Name = name,
                    Region = spec.Region,
                    Skills = spec.Skills,
                    Queues = spec.Queues,
                });
            }
            next[spec.IdPrefix] = start + spec.Count;
        }
    }

    /// <summary>
    /// The queue a call of this stream should enter, by the documented rule: the service's route
    /// for the caller's region, else its default route, else the queue named like the service.
    /// Used only for reporting (which queue Erlang C figures apply to); the call grain decides.
    /// </summary>
    public string ExpectedEntryQueue(ArrivalSpec arrival)
    {
        var region = arrival.Account is { } account && RoutingTable.Accounts.TryGetValue(account, out var accountRegion)
            ? accountRegion
            : RoutingTable.Prefixes
                .Where(p => arrival.CallerPrefix.StartsWith(p.Prefix, StringComparison.Ordinal))
                .OrderByDescending(p => p.Prefix.Length)
                .Select(p => p.Region)
                .FirstOrDefault();
        var routes = RoutingTable.Routes.Where(r => r.Service == arrival.Service).ToList();
        return routes.FirstOrDefault(r => region is not null && r.Region == region)?.Queue
            ?? routes.FirstOrDefault(r => r.Region is null)?.Queue
            ?? arrival.Service;
    }
}
