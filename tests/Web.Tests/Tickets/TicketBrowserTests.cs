using CallCenter.Web.Security;
using CallCenter.Web.Tests.Browser;
using CallCenter.Web.Tests.Hosting;
using Microsoft.Playwright;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>
/// The ticket path in Debian's Chromium against the real embedded default (TKT-1..5): an agent
/// registers a ticket and dispatches it, the billing department sees it arrive live in its inbox,
/// dispatches it to its counter, tries an illegal action (refused, nothing changes), replies and
/// passes the reply up; the agent's open page follows live, answers the customer, closes and records
/// the callback survey. The ticket detail's screenshot goes to artifacts/screenshots/ticket-detail.png.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class TicketBrowserTests(SiloProcess silo) : IAsyncLifetime
{
    private BrowserHarness _browser = null!;

    public async Task InitializeAsync() => _browser = await BrowserHarness.LaunchAsync(silo.BaseAddress, BrowserHarness.Size(1500, 1400));

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    private static ILocator Action(IPage page, string kind) => page.Locator($"[data-action={kind}]");

    [BrowserFact]
    public async Task A_ticket_goes_from_the_agent_to_the_department_and_back_to_a_closed_surveyed_ticket()
    {
        var agent = await _browser.LogInAsync("agent");
        // The demo organization is seeded beside the silo's start: wait until the search knows the billing department.
        await BrowserHarness.OpenAsync(agent, "tickets");
        await agent.Locator("[data-test=filter-department] option[value=billing]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        // The department watches its inbox before the ticket exists: its arrival must show up without a reload.
        var department = await _browser.LogInAsync("department");
        await BrowserHarness.OpenAsync(department, "tickets/inbox");
        await Assertions.Expect(department.Locator("h1")).ToContainTextAsync("Billing department");

        var title = $"Billed twice for October {Guid.NewGuid():N}"[..36];
        await BrowserHarness.OpenAsync(agent, "tickets/new");
        await agent.SelectOptionAsync("[data-test=ticket-category]", "Complaint");
        await agent.FillAsync("[data-test=ticket-customer]", "Li Wei");
        await agent.FillAsync("[data-test=ticket-customer-number]", "13800001234");
        await agent.FillAsync("[data-test=ticket-title]", title);
        await agent.FillAsync("[data-test=ticket-content]", "The October bill was charged twice to the same account.");
        await agent.ClickAsync("[data-test=ticket-create]");
        var link = agent.Locator("[data-test=ticket-link]");
        await link.WaitForAsync();
        var ticketId = await link.InnerTextAsync();

        await BrowserHarness.OpenAsync(agent, $"tickets/{ticketId}");
        var status = agent.Locator("[data-test=ticket-status]");
        await Assertions.Expect(status).ToHaveTextAsync("Open");
        await agent.SelectOptionAsync("[data-action=Dispatched] [data-field=target]", "billing");
        await Action(agent, "Dispatched").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Handling");
        await Assertions.Expect(agent.Locator("[data-test=ticket-holder]")).ToContainTextAsync("Billing department");

        // Pushed to the department's open inbox: the row and a live notice, no reload.
        await Assertions.Expect(department.Locator($"[data-test=inbox-items] tr[data-ticket='{ticketId}']")).ToBeVisibleAsync();
        await Assertions.Expect(department.Locator("[data-test=live-notices]")).ToContainTextAsync(title);

        await department.Locator($"tr[data-ticket='{ticketId}'] a").ClickAsync();
        await department.Locator("[data-test=ticket-detail][data-interactive]").WaitForAsync();
        var departmentStatus = department.Locator("[data-test=ticket-status]");
        await department.SelectOptionAsync("[data-action=Dispatched] [data-field=target]", "billing-counter");
        await Action(department, "Dispatched").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(department.Locator("[data-test=ticket-holder]")).ToContainTextAsync("Billing counter");

        // An illegal action (a return without a reason) gets the workflow's reason and changes nothing.
        var eventsBefore = await department.Locator("[data-test=ticket-timeline] tbody tr").CountAsync();
        await Action(department, "Returned").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(department.Locator("[data-test=ticket-action-error]")).ToContainTextAsync("a return needs a reason");
        await Assertions.Expect(departmentStatus).ToHaveTextAsync("Handling");
        Assert.Equal(eventsBefore, await department.Locator("[data-test=ticket-timeline] tbody tr").CountAsync());

        // The handler (the counter) replies; the bureau passes the reply up to the center.
        await Action(department, "Replied").Locator("[data-field=result]").FillAsync("Second charge refunded to the account");
        await Action(department, "Replied").Locator("[data-field=amount]").FillAsync("48.50");
        await Action(department, "Replied").Locator("[data-field=office]").FillAsync("Billing counter 2");
        await Action(department, "Replied").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(departmentStatus).ToHaveTextAsync("ReplyReview");
        await Assertions.Expect(department.Locator("[data-test=ticket-reply]")).ToContainTextAsync("48.50");
        await Action(department, "Replied").Locator("[data-field=result]").FillAsync("Refund confirmed by the billing department");
        await Action(department, "Replied").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(department.Locator("[data-test=no-actions]")).ToBeVisibleAsync();

        // The agent's page, still open, follows the ticket live up to the center.
        await Assertions.Expect(status).ToHaveTextAsync("ReplyReview");
        await Assertions.Expect(agent.Locator("[data-test=ticket-holder]")).ToContainTextAsync("Hotline center");
        await agent.SelectOptionAsync("[data-action=Closed] [data-field=channel]", "phone");
        await Action(agent, "Closed").Locator("[data-field=answer]").FillAsync("Told the customer the double charge is refunded");
        await Action(agent, "Closed").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Closed");

        await agent.SelectOptionAsync("[data-action=Surveyed] [data-field=score]", "5");
        await Action(agent, "Surveyed").Locator("[data-field=note]").FillAsync("happy with the refund");
        await Action(agent, "Surveyed").Locator("[data-test=act]").ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Surveyed");
        await Assertions.Expect(agent.Locator("[data-test=ticket-survey]")).ToContainTextAsync("satisfied, 5 / 5");

        var timeline = agent.Locator("[data-test=ticket-timeline]");
        foreach (var kind in new[] { "Created", "Dispatched", "Replied", "Closed", "Surveyed" })
        {
            await Assertions.Expect(timeline.Locator($"tr[data-event={kind}]").First).ToBeVisibleAsync();
        }
        Assert.Equal(2, await timeline.Locator("tr[data-event=Dispatched]").CountAsync());
        Assert.Equal(2, await timeline.Locator("tr[data-event=Replied]").CountAsync());
        Assert.Equal(5, await agent.Locator("[data-test=ticket-route] rect").CountAsync());
        await agent.ScreenshotAsync(new() { Path = BrowserHarness.ScreenshotPath("ticket-detail.png"), FullPage = true });

        // Closed tickets leave every inbox but the search still finds them.
        await BrowserHarness.OpenAsync(agent, "tickets");
        await agent.FillAsync("[data-test=filter-text]", title);
        await agent.SelectOptionAsync("[data-test=filter-status]", "Surveyed");
        await agent.ClickAsync("[data-test=search]");
        await Assertions.Expect(agent.Locator($"[data-test=search-results] tr[data-ticket='{ticketId}']")).ToBeVisibleAsync();
    }
}
