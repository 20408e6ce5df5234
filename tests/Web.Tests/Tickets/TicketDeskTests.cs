using System.Collections.Concurrent;
using System.Security.Claims;
using CallCenter.Hosting;
using CallCenter.Security;
using CallCenter.Tickets;
using CallCenter.Web.Security;
using CallCenter.Web.Tickets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>
/// The ticket screens' services against a real (in-process) cluster: inbox changes are pushed to the
/// watching screens, illegal actions come back as the grain's error and change nothing, and closed
/// tickets stay findable.
/// </summary>
public sealed class TicketDeskTests : IAsyncLifetime
{
    /// <summary>Generous: only for waiting on pushes, never a speed assertion.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private InProcessTestCluster _cluster = null!;
    private TicketInboxFeed _feed = null!;
    private TicketDesk _desk = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await _cluster.Client.GetTicketOrganization().Configure(DemoTicketOrganization.Departments(DemoTicketOrganization.CenterId), []);
        _feed = new TicketInboxFeed(_cluster.Client, TimeProvider.System, NullLogger<TicketInboxFeed>.Instance);
        _desk = new TicketDesk(_cluster.Client, Options.Create(new TicketDeskOptions()),
            new AuditTrail(_cluster.Client, TimeProvider.System, NullLogger<AuditTrail>.Instance), NullLogger<TicketDesk>.Instance);
    }

    public async Task DisposeAsync()
    {
        _feed.Dispose();
        await _cluster.DisposeAsync();
    }

    private static ClaimsPrincipal Person(string name, Role role) =>
        new(new ClaimsIdentity(
            SecurityDirectory.DefaultRolePermissions[role].Select(p => new Claim(Permissions.ClaimType, p.ToString()))
                .Append(new Claim(ClaimTypes.Name, name)).Append(new Claim(ClaimTypes.Role, role.ToString())),
            "test", ClaimTypes.Name, ClaimTypes.Role));

    private static readonly ClaimsPrincipal Agent = Person("agent", Role.Agent);
    private static readonly ClaimsPrincipal DepartmentUser = Person("department", Role.Department);

    private async Task<Ticket> NewTicket(string title = "Wrong bill for October")
    {
        var created = await _desk.CreateAsync(Agent, "127.0.0.1", new TicketFormModel { Category = TicketCategory.Complaint, Customer = "Li Wei", Title = title }, null);
        Assert.Null(created.Error);
        return created.Ticket!;
    }

    [Fact]
    public async Task A_dispatched_ticket_is_pushed_to_the_screens_watching_the_departments_inbox_until_they_stop()
    {
        var seen = new BlockingCollection<InboxNotification?>();
        var watch = _feed.Watch(TicketGrainKeys.DepartmentInboxPrefix + DemoTicketOrganization.BillingBureau, seen.Add);
        var ticket = await NewTicket();
        await _feed.Subscribed(TicketGrainKeys.DepartmentInboxPrefix + DemoTicketOrganization.BillingBureau).WaitAsync(Patience);

        var dispatched = await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new Dispatch(DemoTicketOrganization.BillingBureau));
        Assert.Null(dispatched.Error);

        InboxNotification? arrival = null;
        var deadline = DateTime.UtcNow + Patience;
        while (arrival is null && DateTime.UtcNow < deadline && seen.TryTake(out var item, Patience))
        {
            arrival = item?.Kind == InboxNotificationKind.Arrived && item.TicketId == ticket.Id ? item : null;
        }
        Assert.NotNull(arrival);

        watch.Dispose();
        while (seen.TryTake(out _))
        {
        }
        Assert.Null((await _desk.ActAsync(DepartmentUser, null, ticket.Id, DemoTicketOrganization.BillingBureau, new Dispatch(DemoTicketOrganization.BillingCounter))).Error);
        // Nothing is handed to a screen that stopped watching, however late a push arrives.
        Assert.False(seen.TryTake(out _, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task An_illegal_action_returns_the_grains_reason_and_changes_nothing()
    {
        var ticket = await NewTicket();
        var before = (await _cluster.Client.GetTicket(ticket.Id).Events()).ToArray();

        var closeBlank = await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new CloseTicket("phone", " "));
        Assert.Contains("channel and the answer", closeBlank.Error, StringComparison.Ordinal);
        var notMine = await _desk.ActAsync(DepartmentUser, null, ticket.Id, DemoTicketOrganization.CenterId, new Dispatch(DemoTicketOrganization.BillingBureau));
        Assert.Contains("do not act for 'center'", notMine.Error, StringComparison.Ordinal);
        var notHolder = await _desk.ActAsync(DepartmentUser, null, ticket.Id, DemoTicketOrganization.BillingBureau, new ReturnToSender("not ours"));
        Assert.Contains("not allowed while the ticket is Open", notHolder.Error, StringComparison.Ordinal);
        var approve = await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new ApproveExtension());
        Assert.Contains("does not approve extensions", approve.Error, StringComparison.Ordinal);

        Assert.Equal(before, (await _cluster.Client.GetTicket(ticket.Id).Events()).ToArray());
        Assert.Null((await _desk.CreateAsync(Agent, null, new TicketFormModel { Customer = "Li Wei", Title = " " }, null)).Ticket);
    }

    [Fact]
    public async Task The_search_finds_open_tickets_by_department_and_closed_ones_after_they_left_every_inbox()
    {
        var title = $"Street light out {Guid.NewGuid():N}";
        var ticket = await NewTicket(title);
        await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new Dispatch(DemoTicketOrganization.BillingBureau));

        var open = await _desk.SearchAsync(new TicketQuery(DepartmentId: DemoTicketOrganization.BillingBureau, Text: title));
        Assert.Equal(ticket.Id, Assert.Single(open).Entry.TicketId);
        Assert.Empty(await _desk.SearchAsync(new TicketQuery(DepartmentId: "water", Text: title)));

        Assert.Null((await _desk.ActAsync(DepartmentUser, null, ticket.Id, DemoTicketOrganization.BillingBureau, new ReturnToSender("belongs to the center"))).Error);
        Assert.Null((await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new CloseTicket("phone", "explained the bill"))).Error);
        var closed = await _desk.SearchAsync(new TicketQuery(Status: TicketStatus.Closed, Text: title));
        Assert.Equal(ticket.Id, Assert.Single(closed).Entry.TicketId);

        Assert.Null((await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new Reopen("customer called again"))).Error);
        Assert.Empty(await _desk.SearchAsync(new TicketQuery(Status: TicketStatus.Closed, Text: title)));
        Assert.Equal(TicketStatus.Open, Assert.Single(await _desk.SearchAsync(new TicketQuery(Text: title))).Entry.Status);
    }
}
