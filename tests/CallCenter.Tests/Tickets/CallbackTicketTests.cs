using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Tickets;
using CallCenter.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using static CallCenter.Tests.Tickets.TicketTestOrganization;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// An abandoned call of a caller who can be called back becomes a callback ticket at the center,
/// through the call grain's own end-of-call path; the option turns it off.
/// </summary>
public sealed class CallbackTicketTests
{
    private static async Task<InProcessTestCluster> StartCluster(bool callbackTickets)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new CallCenterClock(new FakeTimeProvider(Monday)));
            silo.AddCallCenter();
            silo.Services.Configure<CallbackTicketOptions>(o => o.CallbackTicketsForAbandoned = callbackTickets);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await cluster.Client.GetTicketOrganization().Configure(Departments, []);
        return cluster;
    }

    private static CallArrival Arrival(string callId, string caller) => new() { CallId = callId, CallerNumber = caller, Service = "12345" };

    private static async Task<Ticket?> EventuallyTicket(IGrainFactory grains, string ticketId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await grains.GetTicket(ticketId).Get() is { } ticket)
            {
                return ticket;
            }
            await Task.Delay(50);
        }
        return null;
    }

    [Fact]
    public async Task A_known_caller_who_abandons_gets_one_urgent_callback_ticket_at_the_center()
    {
        await using var cluster = await StartCluster(callbackTickets: true);
        var grains = cluster.Client;

        Assert.True(await grains.GetCall("ab-1").EndInIvr(Arrival("ab-1", "+8613800000007"), Monday, CallOutcome.Abandoned, "hung up in the menu", null));

        var ticket = await EventuallyTicket(grains, "callback-ab-1");
        Assert.NotNull(ticket);
        Assert.Equal((TicketSource.AbandonedCall, "ab-1", "+8613800000007", TicketPriority.Urgent, "center", TicketStatus.Open),
            (ticket!.Draft.Source, ticket.Draft.CallId, ticket.Draft.CustomerNumber, ticket.Draft.Priority, ticket.Holder, ticket.Status));
        Assert.Contains((await grains.GetDepartmentInbox("center").View()).Items, i => i.Entry.TicketId == "callback-ab-1");
    }

    [Fact]
    public async Task Completed_calls_anonymous_callers_and_a_switched_off_option_make_no_ticket()
    {
        await using (var cluster = await StartCluster(callbackTickets: true))
        {
            var grains = cluster.Client;
            await grains.GetCall("done-1").EndInIvr(Arrival("done-1", "+8613800000008"), Monday, CallOutcome.Completed, "self-service", null);
            await grains.GetCall("anon-1").EndInIvr(Arrival("anon-1", "anonymous"), Monday, CallOutcome.Abandoned, null, null);
            // A known caller's abandoned call afterwards: once its ticket exists, the earlier ones had their chance.
            await grains.GetCall("known-1").EndInIvr(Arrival("known-1", "+8613800000009"), Monday, CallOutcome.Abandoned, null, null);
            Assert.NotNull(await EventuallyTicket(grains, "callback-known-1"));
            Assert.Null(await grains.GetTicket("callback-done-1").Get());
            Assert.Null(await grains.GetTicket("callback-anon-1").Get());
        }

        await using (var cluster = await StartCluster(callbackTickets: false))
        {
            var grains = cluster.Client;
            await grains.GetCall("off-1").EndInIvr(Arrival("off-1", "+8613800000010"), Monday, CallOutcome.Abandoned, null, null);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Null(await grains.GetTicket("callback-off-1").Get());
            Assert.Equal(0, (await grains.GetDepartmentInbox("center").View()).Total);
        }
    }
}
