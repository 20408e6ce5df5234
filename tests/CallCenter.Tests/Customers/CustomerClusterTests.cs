using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Customers;
using CallCenter.Hosting;
using Orleans.TestingHost;
using CallCenter.Tests.Fakes;

namespace CallCenter.Tests.Customers;

/// <summary>
/// The customer directory on an in-process cluster with the call path: a VIP caller is served
/// before an earlier normal caller, every ended call lands in its customer's contact history, the
/// call shows its IVR data, and bad input changes nothing.
/// </summary>
public sealed class CustomerClusterTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private readonly TestPhone _phone = new();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainFactory Grains => _cluster.Client;

    private async Task<IAgentGrain> AgentIn(string queue, bool ready)
    {
        await Grains.GetQueue(queue).Configure(new QueueSettings { Id = queue, WrapUp = TimeSpan.Zero });
        var agent = Grains.GetAgent("cust-agent");
        await agent.Configure(new AgentProfile { Id = "cust-agent", Queues = ImmutableDictionary<string, int>.Empty.Add(queue, 1) });
        await agent.Login(Grains.CreateObjectReference<IAgentPhone>(_phone), ready);
        return agent;
    }

    [Fact]
    public async Task A_vip_caller_is_offered_before_a_normal_caller_who_called_earlier()
    {
        var directory = Grains.GetCustomerDirectory();
        await directory.Save(new CustomerProfile { Name = "Ordinary", Phones = ["01011110000"] }, "test");
        await directory.Save(new CustomerProfile { Name = "Big client", Phones = ["01022220000"], Level = CustomerLevel.Vip }, "test");
        var agent = await AgentIn("support", ready: false);

        await Grains.GetCall("normal-1").Start(new CallArrival { CallId = "normal-1", CallerNumber = "010-1111-0000", Service = "support" }, null);
        await Grains.GetCall("vip-1").Start(new CallArrival { CallId = "vip-1", CallerNumber = "010 2222 0000", Service = "support" }, null);
        await agent.SetReady();

        await Eventually(() => Task.FromResult(!_phone.Rings.IsEmpty));
        var first = _phone.Rings.First();
        Assert.Equal("vip-1", first.CallId);
        Assert.Equal(new CustomerOptions().MinimumPriority[CustomerLevel.Vip], first.Priority);
    }

    [Fact]
    public async Task An_unknown_or_normal_caller_keeps_the_priority_it_arrived_with()
    {
        await Grains.GetCustomerDirectory().Save(new CustomerProfile { Name = "Ordinary", Phones = ["01011110000"] }, "test");
        await AgentIn("support", ready: true);
        await Grains.GetCall("known").Start(new CallArrival { CallId = "known", CallerNumber = "01011110000", Service = "support", Priority = 3 }, null);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == "known")));
        Assert.Equal(3, _phone.Rings.Single(o => o.CallId == "known").Priority);
    }

    [Fact]
    public async Task An_ended_call_appears_once_in_its_customers_history_with_queue_agent_and_outcome()
    {
        var customer = await Grains.GetCustomerDirectory().Save(new CustomerProfile { Name = "Li Na", Phones = ["+8613800000000"], Level = CustomerLevel.Gold }, "test");
        var agent = await AgentIn("support", ready: true);
        var call = Grains.GetCall("hist-1");
        var ivr = ImmutableDictionary<string, string>.Empty.Add("menu", "2").Add("account", "A-1001");
        await call.Start(new CallArrival { CallId = "hist-1", CallerNumber = "+86 138 0000 0000", Service = "support", AttachedData = ivr }, null);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == "hist-1")));
        Assert.Equal(ivr, await call.GetAttachedData());
        Assert.True(await agent.Answer("hist-1"));
        await call.Hangup(CallParty.Caller);
        await call.Hangup(CallParty.Caller);

        var contacts = Grains.GetCustomerContacts(customer.Id);
        await Eventually(async () => !(await contacts.Recent(10)).IsEmpty);
        var contact = Assert.Single(await contacts.Recent(10));
        Assert.Equal(("hist-1", "support", "cust-agent", CallOutcome.Completed), (contact.CallId, contact.QueueId, contact.AgentId, contact.Outcome));
        // A repeated record of the same call (a resumed call ends twice) adds nothing.
        await contacts.Append(contact);
        Assert.Single(await contacts.Recent(10));
        Assert.Empty(await Grains.GetCall("never-started").GetAttachedData());
    }

    [Fact]
    public async Task A_customer_created_during_the_call_gets_that_call_in_the_history()
    {
        var agent = await AgentIn("support", ready: true);
        var directory = Grains.GetCustomerDirectory();
        // The silo's caller index is loaded (and then current) before the customer exists.
        await Grains.GetCall("first").Start(new CallArrival { CallId = "first", CallerNumber = "02155556666", Service = "support" }, null);
        await Eventually(() => Task.FromResult(_phone.Rings.Any(o => o.CallId == "first")));
        Assert.True(await agent.Answer("first"));

        var customer = await directory.Save(new CustomerProfile { Name = "New caller", Phones = ["02155556666"] }, "agent");
        await Grains.GetCall("first").Hangup(CallParty.Agent);

        await Eventually(async () => (await Grains.GetCustomerContacts(customer.Id).Recent(5)).Any(c => c.CallId == "first"));
    }

    [Fact]
    public async Task A_refused_import_changes_nothing_and_a_good_one_is_exported_again()
    {
        var directory = Grains.GetCustomerDirectory();
        var before = await directory.GetVersion();
        var report = await directory.ImportCsv("name,phones,level\nA,13800000001,vip\n,13800000002,normal\nC,13800000003,diamond\n", "test");
        Assert.False(report.Imported);
        Assert.Equal([(3, "name is missing"), (4, "level 'diamond' is not one of normal, silver, gold, vip")], report.Rejected.Select(r => (r.Line, r.Reason)));
        Assert.Equal((0, before), (await directory.Count(), await directory.GetVersion()));

        report = await directory.ImportCsv("name,phones,level\nA,13800000001,vip\n\"Wang, Fang\",13800000002;13900000002,normal\n", "test");
        Assert.True(report.Imported);
        Assert.Equal(2, report.Created);
        var csv = await directory.ExportCsv();
        Assert.StartsWith("id,name,phones,level,region,notes\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("\"Wang, Fang\",13800000002;13900000002,normal", csv, StringComparison.Ordinal);
        Assert.Equal("Wang, Fang", (await directory.FindByPhone("139-0000-0002"))!.Name);
        await Assert.ThrowsAsync<ArgumentException>(() => directory.Save(new CustomerProfile { Name = "Thief", Phones = ["13800000001"] }, "test"));
        Assert.Equal(2, await directory.Count());
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(20);
        }
    }
}
