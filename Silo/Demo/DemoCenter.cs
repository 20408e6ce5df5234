using System.Collections.Immutable;
using System.Reflection;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Silo.Configuration;

namespace CallCenter.Silo.Demo;

/// <summary>A province of the demo center, from the embedded regions table.</summary>
public sealed record Region(string Id, string Name, string AreaCode);

/// <summary>
/// The demo center a newcomer sees: service number 1000, routed by the caller's area code to the
/// hotline group of the caller's province, overflowing to a common national group after 30 s.
/// </summary>
public sealed class DemoCenter
{
    public const string Service = "1000";
    public const string CommonQueue = "hotline-common";
    public static readonly string[] StaffedRegions = ["bj", "sh", "gd", "hn"];
    public static readonly TimeSpan OverflowAfter = TimeSpan.FromSeconds(30);

    public DemoCenter(DemoOptions options)
    {
        Regions = LoadRegions();
        var staffed = Regions.Where(r => StaffedRegions.Contains(r.Id)).ToList();
        Queues = staffed.Select(r => new QueueSettings
        {
            Id = QueueOf(r.Id),
            Name = $"Hotline {r.Name}",
            Region = r.Id,
            Strategy = RoutingStrategy.LongestIdle,
            ServiceLevelThreshold = TimeSpan.FromSeconds(15),
            RingTimeout = TimeSpan.FromSeconds(15),
            WrapUp = TimeSpan.FromSeconds(5),
            Overflow = [new OverflowRule(OverflowCondition.WaitExceeded, OverflowAfter, CommonQueue),
                        new OverflowRule(OverflowCondition.NoAgentsLoggedIn, TimeSpan.Zero, CommonQueue)],
        }).Append(new QueueSettings
        {
            Id = CommonQueue,
            Name = "Hotline national group",
            Strategy = RoutingStrategy.LongestIdle,
            ServiceLevelThreshold = TimeSpan.FromSeconds(15),
            RingTimeout = TimeSpan.FromSeconds(15),
            WrapUp = TimeSpan.FromSeconds(5),
            MaxWait = TimeSpan.FromMinutes(5),
            MaxWaitAction = MaxWaitAction.Voicemail,
        }).ToImmutableArray();
        Agents = staffed.SelectMany(r => Enumerable.Range(1, options.AgentsPerRegion).Select(i => new AgentProfile
        {
            Id = $"{r.Id}-{i:00}",
            Name = $"{r.Name} agent {i}",
            Region = r.Id,
            // Two teams per region (odd and even desks), so the console's team filter has something to filter.
            Team = $"{r.Id}-team-{(i % 2 == 1 ? "a" : "b")}",
            Queues = ImmutableDictionary<string, int>.Empty.Add(QueueOf(r.Id), 1).Add(CommonQueue, 2),
        })).Concat(Enumerable.Range(1, options.AgentsPerRegion == 0 ? 0 : Math.Max(2, options.AgentsPerRegion / 2)).Select(i => new AgentProfile
        {
            Id = $"common-{i:00}",
            Name = $"National agent {i}",
            Team = "national",
            Queues = ImmutableDictionary<string, int>.Empty.Add(CommonQueue, 1),
        })).ToImmutableArray();
        Routing = new RoutingTable(
            Regions.Select(r => new RegionPrefix(r.AreaCode, r.Id)).ToImmutableArray(),
            staffed.Select(r => new ServiceRoute(Service, r.Id, QueueOf(r.Id))).Append(new ServiceRoute(Service, null, CommonQueue)).ToImmutableArray(),
            ImmutableDictionary<string, string>.Empty);
    }

    public IReadOnlyList<Region> Regions { get; }
    public ImmutableArray<QueueSettings> Queues { get; }
    public ImmutableArray<AgentProfile> Agents { get; }
    public RoutingTable Routing { get; }

    public static string QueueOf(string region) => $"hotline-{region}";

    public async Task SeedAsync(IGrainFactory grains, IAgentPhone phone)
    {
        await grains.GetRoutingTable().Set(Routing);
        foreach (var queue in Queues)
        {
            await grains.GetQueue(queue.Id).Configure(queue);
        }
        foreach (var agent in Agents)
        {
            var grain = grains.GetAgent(agent.Id);
            await grain.Configure(agent);
            await grain.Login(phone, ready: true);
        }
    }

    /// <summary>The 31 provincial-level regions with the area code of each capital.</summary>
    public static IReadOnlyList<Region> LoadRegions()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("regions.csv")
            ?? throw new InvalidOperationException("The embedded regions table is missing.");
        using var reader = new StreamReader(stream);
        var regions = new List<Region>();
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(',');
            if (fields.Length == 4)
            {
                regions.Add(new Region(fields[0], fields[1], fields[3]));
            }
        }
        return regions;
    }
}
