using System.Security.Claims;
using Bunit;
using CallCenter.Hosting;
using CallCenter.Security;
using CallCenter.Tickets;
using CallCenter.Web.Security;
using CallCenter.Web.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>
/// The on-time ranking page and flow steps through the desk (bUnit, real grains in an in-process
/// cluster): the page ranks the units that completed tickets; a flow step is completed by whoever it
/// names, and anyone else gets the grain's error with the ticket unchanged; the search finds the
/// closed ticket by customer and date.
/// </summary>
public sealed class TicketRankingAndFlowTests : BunitContext, IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private TicketDesk _desk = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await _cluster.Client.GetTicketOrganization().Configure(DemoTicketOrganization.Departments(DemoTicketOrganization.CenterId), DemoTicketOrganization.Flows);
        _desk = new TicketDesk(_cluster.Client, Options.Create(new TicketDeskOptions()),
            new AuditTrail(_cluster.Client, TimeProvider.System, NullLogger<AuditTrail>.Instance), NullLogger<TicketDesk>.Instance);
        Services.AddSingleton<IGrainFactory>(_cluster.Client);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(_desk);
        var authorization = AddAuthorization();
        authorization.SetAuthorized("supervisor");
        authorization.SetClaims([.. SecurityDirectory.DefaultRolePermissions[Role.Supervisor].Select(p => new Claim(Permissions.ClaimType, p.ToString()))]);
    }

    async Task IAsyncLifetime.DisposeAsync() => await _cluster.DisposeAsync();

    private static ClaimsPrincipal Person(string name, Role role) =>
        new(new ClaimsIdentity(
            SecurityDirectory.DefaultRolePermissions[role].Select(p => new Claim(Permissions.ClaimType, p.ToString()))
                .Append(new Claim(ClaimTypes.Name, name)).Append(new Claim(ClaimTypes.Role, role.ToString())),
            "test", ClaimTypes.Name, ClaimTypes.Role));

    private static readonly ClaimsPrincipal Agent = Person("agent", Role.Agent);
    private static readonly ClaimsPrincipal Supervisor = Person("supervisor", Role.Supervisor);
    private static readonly ClaimsPrincipal DepartmentUser = Person("department", Role.Department);

    private async Task<Ticket> Act(ClaimsPrincipal user, Ticket ticket, string desk, TicketAction action)
    {
        var result = await _desk.ActAsync(user, null, ticket.Id, desk, action);
        Assert.True(result.Error is null, result.Error);
        return result.Ticket!;
    }

    [Fact]
    public async Task The_ranking_page_ranks_the_departments_that_completed_tickets_this_month()
    {
        var created = await _desk.CreateAsync(Agent, null, new TicketFormModel { Category = TicketCategory.Repair, Customer = "Zhao Lei", Title = "Meter stuck" }, null);
        var ticket = created.Ticket!;
        ticket = await Act(Agent, ticket, DemoTicketOrganization.CenterId, new Dispatch(DemoTicketOrganization.BillingBureau));
        ticket = await Act(DepartmentUser, ticket, DemoTicketOrganization.BillingBureau, new Dispatch(DemoTicketOrganization.BillingCounter));
        ticket = await Act(DepartmentUser, ticket, DemoTicketOrganization.BillingCounter, new SendReply(new TicketReply("meter replaced", null, null)));

        var page = Render<TicketRanking>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-test=ranking] tbody tr")), TimeSpan.FromSeconds(30));
        var row = page.Find($"tr[data-department={DemoTicketOrganization.BillingCounter}]");
        Assert.Contains("Billing counter", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("1", row.QuerySelector("td")!.TextContent);
        Assert.Equal("100%", row.QuerySelector("td.rate")!.TextContent);
        Assert.Single(page.FindAll("[data-test=ranking] tbody tr"));

        // The month before has nothing.
        var lastMonth = DateTime.UtcNow.AddMonths(-1);
        page.Find("[data-test=ranking-month]").Change(lastMonth.ToString("yyyy-MM"));
        await page.Find("[data-test=ranking-show]").ClickAsync(new());
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-test=ranking-empty]")), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_flow_step_is_completed_by_whom_it_names_and_anyone_else_gets_the_grains_error_with_nothing_changed()
    {
        var created = await _desk.CreateAsync(Agent, null, new TicketFormModel
        {
            Category = TicketCategory.Complaint,
            Customer = "Qian Hui",
            Title = "Refund for a double charge",
            FlowId = DemoTicketOrganization.RefundFlow,
        }, null);
        Assert.Null(created.Error);
        var ticket = created.Ticket!;
        Assert.Equal("Billing check", ticket.Flow!.CurrentStep!.Name);

        // The agent (center desk) is not the billing department: the grain refuses, the trail is unchanged.
        var before = await _cluster.Client.GetTicket(ticket.Id).Events();
        var refused = await _desk.ActAsync(Agent, null, ticket.Id, DemoTicketOrganization.CenterId, new CompleteFlowStep(true));
        Assert.Contains("is not a pending assignee of step 'Billing check'", refused.Error, StringComparison.Ordinal);
        Assert.Equal(before.ToArray(), (await _cluster.Client.GetTicket(ticket.Id).Events()).ToArray());

        ticket = await Act(DepartmentUser, ticket, DemoTicketOrganization.BillingBureau, new CompleteFlowStep(true, "amount checked"));
        Assert.Equal("Refund sign-off", ticket.Flow!.CurrentStep!.Name);
        // Countersign: the supervisor (by role) signs, the billing head (by person) refuses, the signatures start over.
        ticket = await Act(Supervisor, ticket, DemoTicketOrganization.CenterId, new CompleteFlowStep(true));
        ticket = await Act(DepartmentUser, ticket, DemoTicketOrganization.BillingBureau, new CompleteFlowStep(false, "wrong account"));
        Assert.Empty(ticket.Flow!.Done);
        ticket = await Act(DepartmentUser, ticket, DemoTicketOrganization.BillingBureau, new CompleteFlowStep(true));
        ticket = await Act(Supervisor, ticket, DemoTicketOrganization.CenterId, new CompleteFlowStep(true));
        Assert.True(ticket.Flow!.Finished);
        var done = await _desk.ActAsync(Supervisor, null, ticket.Id, DemoTicketOrganization.CenterId, new CompleteFlowStep(true));
        Assert.Contains("flow is finished", done.Error, StringComparison.Ordinal);

        ticket = await Act(Agent, ticket, DemoTicketOrganization.CenterId, new CloseTicket("phone", "refunded"));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var found = await _desk.SearchAsync(new TicketQuery(Customer: "qian", From: today.AddDays(-1), To: today));
        Assert.Equal((ticket.Id, TicketStatus.Closed), (Assert.Single(found).Entry.TicketId, found[0].Entry.Status));
        Assert.Empty(await _desk.SearchAsync(new TicketQuery(Customer: "qian", From: today.AddDays(1), To: today.AddDays(2))));
        await Assert.ThrowsAsync<ArgumentException>(() => _desk.SearchAsync(new TicketQuery(From: today, To: today.AddDays(-1))));
    }
}
