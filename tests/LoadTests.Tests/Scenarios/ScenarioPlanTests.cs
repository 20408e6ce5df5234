using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Tests.Scenarios;

public sealed class ScenarioPlanTests
{
    [Fact]
    public void Agent_ids_are_the_prefix_and_a_zero_padded_number_continued_across_groups()
    {
        var scenario = ScenarioReader.Parse("""
            {"durationSeconds": 60, "queues": [{"id": "q"}],
             "agents": [{"count": 3, "idPrefix": "a", "queues": {"q": 1}}, {"count": 2, "idPrefix": "a", "queues": {"q": 2}, "region": "bj"},
                        {"count": 1, "idPrefix": "b", "queues": {"q": 1}}],
             "arrivals": [{"queue": "q", "ratePerSecond": 1, "handleSeconds": {"dist": "constant", "value": 5}}]}
            """).Scenario;

        var agents = new ScenarioPlan(scenario).Agents;

        Assert.Equal(["a0001", "a0002", "a0003", "a0004", "a0005", "b0001"], agents.Select(a => a.Id));
        Assert.Equal(2, agents[3].Profile.Queues["q"]);
        Assert.Equal("bj", agents[4].Profile.Region);
        Assert.Equal(1, agents[3].Group);
    }

    [Fact]
    public void Queue_settings_carry_every_field_in_time_spans()
    {
        var spec = new QueueSpec
        {
            Id = "q",
            Name = "Q",
            Region = "hn",
            Strategy = RoutingStrategy.RingAll,
            ServiceLevelSeconds = 15,
            RingTimeoutSeconds = 12,
            WrapUpSeconds = 5,
            MaxWaitSeconds = 90,
            MaxWaitAction = MaxWaitAction.Callback,
            Overflow = [new OverflowSpec(OverflowCondition.WaitExceeded, 60, "common")],
            Relaxation = [new RelaxationSpec(30, 2, 1, ["x"])],
            BaseLevel = 1,
            RingAllLimit = 4,
        };

        var settings = ScenarioPlan.ToQueueSettings(spec);

        Assert.Equal(TimeSpan.FromSeconds(15), settings.ServiceLevelThreshold);
        Assert.Equal(TimeSpan.FromSeconds(12), settings.RingTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.WrapUp);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.MaxWait);
        Assert.Equal(MaxWaitAction.Callback, settings.MaxWaitAction);
        Assert.Equal(new OverflowRule(OverflowCondition.WaitExceeded, TimeSpan.FromSeconds(60), "common"), settings.Overflow.Single());
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Relaxation.Single().After);
        Assert.Equal((1, 4, "Q", "hn", RoutingStrategy.RingAll), (settings.BaseMembershipLevel, settings.RingAllLimit, settings.Name, settings.Region, settings.Strategy));
        Assert.Equal(int.MaxValue, ScenarioPlan.ToQueueSettings(spec with { BaseLevel = null }).BaseMembershipLevel);
    }

    [Fact]
    public void The_routing_table_holds_prefixes_routes_and_accounts()
    {
        var scenario = ScenarioReader.Parse(File.ReadAllText(ExampleScenarios.PathOf("provincial.json"))).Scenario;

        var plan = new ScenarioPlan(scenario);

        Assert.Equal(6, plan.RoutingTable.Prefixes.Length);
        Assert.Contains(new ServiceRoute("10000", null, "common"), plan.RoutingTable.Routes);
        Assert.Equal("bj", plan.RoutingTable.Accounts["vip-0001"]);
        Assert.Equal("gd", plan.ExpectedEntryQueue(scenario.Arrivals[2]));
        Assert.Equal("bj", plan.ExpectedEntryQueue(scenario.Arrivals[6]));
    }

    [Fact]
    public void Arrival_service_defaults_to_its_queue()
    {
        var plan = new ScenarioPlan(ScenarioReader.Parse(ScenarioReaderTests.ContractExample).Scenario);

        Assert.Equal("billing", plan.ExpectedEntryQueue(plan.Scenario.Arrivals[0]));
        Assert.Equal(ImmutableDictionary<string, int>.Empty, plan.Scenario.Arrivals[0].Skills);
    }
}
