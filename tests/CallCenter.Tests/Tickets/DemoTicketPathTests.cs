using System.Collections.Immutable;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Silo.Demo;
using CallCenter.Tickets;
using CallCenter.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// The README's ticket path on the embedded default's demo organization, acted by the demo web
/// users: a call becomes a ticket, goes down to the billing unit, its reply comes up, the center
/// closes it and records the callback survey.
/// </summary>
public sealed class DemoTicketPathTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_demo_organization_has_three_levels_and_the_web_users_as_heads()
    {
        var organization = new Organization(DemoTickets.Departments);
        Assert.Equal([DepartmentLevel.Center, DepartmentLevel.Bureau, DepartmentLevel.Unit], organization.Departments.Select(d => d.Level).Distinct().Order());
        Assert.Equal("supervisor", organization[DemoTickets.Center].HeadPersonId);
        Assert.Equal("leader", organization[DemoTickets.CustomerService].HeadPersonId);
        Assert.Equal(("department", DemoTickets.CustomerService), (organization[DemoTickets.Billing].HeadPersonId, organization[DemoTickets.Billing].ParentId));
        Assert.Equal("supervisor", new TicketOptions().Supervisor);
    }

    [Fact]
    public async Task A_call_becomes_a_ticket_that_is_dispatched_replied_closed_and_surveyed()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new CallCenterClock(new FakeTimeProvider(Monday)));
            silo.AddCallCenter();
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grains = cluster.Client;
        Assert.True(await DemoTickets.SeedAsync(grains));
        Assert.False(await DemoTickets.SeedAsync(grains));

        // The desk agent registers a ticket for the call (its recording and IVR digits linked).
        var created = await grains.CreateTicketFromCall("demo-call-1", "/recordings/demo-call-1.wav", ImmutableDictionary<string, string>.Empty.Add("menu", "3"), new TicketDraft
        {
            Category = TicketCategory.Complaint,
            Customer = "Chen Jing",
            CustomerNumber = "+8613900000001",
            Title = "Charged twice for November",
            CenterId = DemoTickets.Center,
            CreatedBy = "agent",
        });
        var ticket = grains.GetTicket(created.Id);
        await ticket.Act(new TicketActor("supervisor", DemoTickets.Center), new Dispatch(DemoTickets.CustomerService));
        await ticket.Act(new TicketActor("leader", DemoTickets.CustomerService), new Dispatch(DemoTickets.Billing, "department"));
        var inbox = await grains.GetPersonInbox("department").View();
        Assert.Equal(created.Id, Assert.Single(inbox.Items).Entry.TicketId);
        Assert.Contains(inbox.Notifications, n => n.Kind == InboxNotificationKind.Arrived);

        await ticket.Act(new TicketActor("department", DemoTickets.Billing), new SendReply(new TicketReply("Second charge refunded", 39.9m, "Billing department")));
        await ticket.Act(new TicketActor("leader", DemoTickets.CustomerService), new SendReply(new TicketReply("Second charge refunded", 39.9m, "Billing department")));
        await ticket.Act(new TicketActor("agent", DemoTickets.Center), new CloseTicket("phone", "We refunded the second charge of 39.90."));
        var surveyed = await ticket.Act(new TicketActor("agent", DemoTickets.Center), new RecordSurvey(true, 5, "Thanks"));

        Assert.Equal(TicketStatus.Surveyed, surveyed.Status);
        Assert.Equal(("demo-call-1", "/recordings/demo-call-1.wav"), (surveyed.Draft.CallId, surveyed.Draft.RecordingPath));
        Assert.Equal(
            [TicketEventKind.Created, TicketEventKind.Dispatched, TicketEventKind.Dispatched, TicketEventKind.Replied, TicketEventKind.Replied, TicketEventKind.Closed, TicketEventKind.Surveyed],
            (await ticket.Events()).Select(e => e.Kind));
        Assert.Equal(0, (await grains.GetPersonInbox("department").View()).Total);
    }
}
