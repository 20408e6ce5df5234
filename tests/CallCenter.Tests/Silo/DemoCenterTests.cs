using System.Collections.Concurrent;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Silo.Configuration;
using CallCenter.Silo.Demo;
using Orleans.TestingHost;
using CallCenter.Tests.Fakes;

namespace CallCenter.Tests.Silo;

public sealed class DemoCenterTests
{

    [Fact]
    public void The_demo_center_maps_all_31_provinces_and_staffs_four()
    {
        var center = new DemoCenter(new DemoOptions { AgentsPerRegion = 3 });
        Assert.Equal(31, center.Regions.Count);
        Assert.Equal(31, center.Routing.Prefixes.Length);
        Assert.Equal(DemoCenter.StaffedRegions.Length + 1, center.Queues.Length);
        Assert.Equal(DemoCenter.StaffedRegions.Length * 3 + 2, center.Agents.Length);
        Assert.Empty(CompiledRoutingTable.Validate(center.Routing));
    }

    [Fact]
    public void Zero_agents_per_region_seeds_queues_and_routes_but_no_simulated_desk_agents()
    {
        // The SIP bench (loadtests/sip/gateway-bench.sh) wants only SIP phones to answer.
        var center = new DemoCenter(new DemoOptions { AgentsPerRegion = 0 });
        Assert.Empty(center.Agents);
        Assert.Equal(DemoCenter.StaffedRegions.Length + 1, center.Queues.Length);
        Assert.Empty(CompiledRoutingTable.Validate(center.Routing));
    }

    [Fact]
    public async Task A_call_to_1000_reaches_the_callers_province_and_a_table_change_applies_without_restart()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddCallCenter());
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grains = cluster.Client;
        var phone = new TestPhone();
        var center = new DemoCenter(new DemoOptions { AgentsPerRegion = 2 });
        await center.SeedAsync(grains, grains.CreateObjectReference<IAgentPhone>(phone));

        var hunan = await grains.GetCall("t1").Start(new CallArrival { CallId = "t1", CallerNumber = "073188880000", Service = DemoCenter.Service }, null);
        Assert.Equal(("hotline-hn", "hn"), (hunan.QueueId, hunan.Region));
        var tibet = await grains.GetCall("t2").Start(new CallArrival { CallId = "t2", CallerNumber = "089188880000", Service = DemoCenter.Service }, null);
        Assert.Equal((DemoCenter.CommonQueue, "xz"), (tibet.QueueId, tibet.Region));

        // Hunan callers now go to the national group: the next call follows the new table.
        var table = await grains.GetRoutingTable().Get();
        await grains.GetRoutingTable().Set(table with { Routes = table.Routes.RemoveAll(r => r.Region == "hn") });
        var after = await grains.GetCall("t3").Start(new CallArrival { CallId = "t3", CallerNumber = "073188880001", Service = DemoCenter.Service }, null);
        Assert.Equal(DemoCenter.CommonQueue, after.QueueId);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (phone.Rings.Count < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(3, phone.Rings.Count);
        Assert.Contains(phone.Rings, o => o.CallId == "t1" && o.AgentId.StartsWith("hn-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_settings_and_profiles_are_refused_and_change_nothing()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddCallCenter());
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var queue = cluster.Client.GetQueue("billing");
        await queue.Configure(new QueueSettings { Id = "billing", RingTimeout = TimeSpan.FromSeconds(20) });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => queue.Configure(new QueueSettings
        {
            Id = "billing",
            RingTimeout = TimeSpan.Zero,
            Overflow = [new OverflowRule(OverflowCondition.WaitExceeded, TimeSpan.FromSeconds(30), "billing")],
        }));
        Assert.Contains("ringTimeout", error.Message);
        Assert.Contains("overflow[0].to", error.Message);
        Assert.Equal(TimeSpan.FromSeconds(20), (await queue.GetSettings())!.RingTimeout);

        var agent = cluster.Client.GetAgent("a1");
        var profileError = await Assert.ThrowsAsync<ArgumentException>(() => agent.Configure(new AgentProfile
        {
            Id = "a1",
            Skills = System.Collections.Immutable.ImmutableDictionary<string, int>.Empty.Add("en", 9),
        }));
        Assert.Contains("skills.en", profileError.Message);
        Assert.Null((await agent.GetSnapshot()).Profile);

        await Assert.ThrowsAsync<InvalidRoutingTableException>(() => cluster.Client.GetRoutingTable().Set(
            new RoutingTable([new RegionPrefix("abc", "x")], [], System.Collections.Immutable.ImmutableDictionary<string, string>.Empty)));
        Assert.Equal(0, await cluster.Client.GetRoutingTable().GetVersion());
    }
}
