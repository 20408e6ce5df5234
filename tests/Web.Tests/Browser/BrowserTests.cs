using System.Text.RegularExpressions;
using CallCenter.Security;
using CallCenter.Web.Security;
using CallCenter.Web.Tests.Hosting;
using Microsoft.Playwright;

namespace CallCenter.Web.Tests.Browser;

/// <summary>
/// Debian's Chromium, headless, against the real embedded default with demo traffic: log in as
/// every role, watch the wallboard move, force an agent not-ready from the console, take a call on
/// the agent desktop. Screenshots go to artifacts/screenshots/ (git-ignored).
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class BrowserTests(SiloProcess silo) : IAsyncLifetime
{
    private BrowserHarness _browser = null!;

    public async Task InitializeAsync() => _browser = await BrowserHarness.LaunchAsync(silo.BaseAddress, BrowserHarness.Size(1600, 1000));

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [BrowserFact]
    public async Task Every_role_logs_in_and_sees_only_its_screens()
    {
        foreach (var person in DemoUsers.People)
        {
            var page = await _browser.LogInAsync(person.UserName);
            Assert.Contains(person.Role.ToString(), await page.InnerTextAsync("[data-test=who]"), StringComparison.Ordinal);
            var permissions = SecurityDirectory.DefaultRolePermissions[person.Role];
            var nav = await page.InnerTextAsync("nav.topbar");
            Assert.Equal(permissions.Contains(Permission.ViewWallboard), nav.Contains("Wallboard", StringComparison.Ordinal));
            Assert.Equal(permissions.Contains(Permission.ViewConsole), nav.Contains("Console", StringComparison.Ordinal));
            Assert.Equal(permissions.Contains(Permission.UseAgentDesktop), nav.Contains("Desktop", StringComparison.Ordinal));
            await page.Context.CloseAsync();
        }
    }

    [BrowserFact]
    public async Task The_wallboard_updates_under_demo_traffic()
    {
        var page = await _browser.LogInAsync("department", BrowserHarness.Size(1920, 1080));
        await BrowserHarness.OpenAsync(page, "wallboard");
        var offered = page.Locator("[data-tile=offered] .value");
        await offered.WaitForAsync();
        var before = await offered.InnerTextAsync();
        // Demo traffic offers a call about every second: the figure must move without a reload.
        await Assertions.Expect(offered).Not.ToHaveTextAsync(before, new() { Timeout = BrowserHarness.Patience });
        var version = await page.GetAttributeAsync("[data-test=wallboard]", "data-version");
        await Assertions.Expect(page.Locator("[data-test=wallboard]")).Not.ToHaveAttributeAsync("data-version", version!, new() { Timeout = BrowserHarness.Patience });
        Assert.Equal(24, await page.Locator("svg.hourly rect.offered").CountAsync());
        await page.ScreenshotAsync(new() { Path = BrowserHarness.ScreenshotPath("wallboard.png"), FullPage = true });
    }

    [BrowserFact]
    public async Task A_supervisor_forces_an_agent_not_ready_and_the_console_and_wallboard_show_it()
    {
        var page = await _browser.LogInAsync("supervisor");
        await BrowserHarness.OpenAsync(page, "console");
        var wallboard = await page.Context.NewPageAsync();
        await BrowserHarness.OpenAsync(wallboard, "wallboard");
        var notReadyTile = wallboard.Locator("[data-tile=notready] .value");
        await notReadyTile.WaitForAsync();

        // A demo agent that is ready right now (the simulated phones keep the others busy). Demo
        // traffic may offer it a call between the look and the click, and a busy agent's force is
        // refused: then the next ready agent is tried.
        string? agentId = null;
        var notReadyBefore = 0;
        ILocator? row = null;
        for (var attempt = 1; attempt <= 5 && row is null; attempt++)
        {
            var ready = page.Locator("tr[data-state=Ready]").First;
            await ready.WaitForAsync(new() { Timeout = BrowserHarness.Patience });
            agentId = await ready.GetAttributeAsync("data-agent");
            notReadyBefore = int.Parse(await notReadyTile.InnerTextAsync());
            await page.Locator($"tr[data-agent='{agentId}'] [data-test=force-not-ready]").ClickAsync();
            var candidate = page.Locator($"tr[data-agent='{agentId}']");
            try
            {
                await Assertions.Expect(candidate).ToHaveAttributeAsync("data-state", "NotReady", new() { Timeout = 10_000 });
                row = candidate;
            }
            catch (Exception) when (attempt < 5) // refused: the agent was offered a call first
            {
            }
        }
        Assert.NotNull(row);
        await Assertions.Expect(row.Locator("td.state")).ToContainTextAsync("supervisor");
        await Assertions.Expect(notReadyTile).ToHaveTextAsync(new Regex($"^([{notReadyBefore + 1}-9]|\\d\\d+)$"), new() { Timeout = BrowserHarness.Patience });
        await page.ScreenshotAsync(new() { Path = BrowserHarness.ScreenshotPath("console.png"), FullPage = true });

        using var admin = await Hosting.WebSession.LogInAsync(silo.BaseAddress, "admin", DemoUsers.PasswordOf("admin"));
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains($"agent:{agentId}", audit, StringComparison.Ordinal);
        Assert.Contains("force-not-ready", audit, StringComparison.Ordinal);
    }

    /// <summary>The desk agent's desktop, logged in (with this page's phone when it was logged out).</summary>
    private async Task<(IPage Page, ILocator State)> DesktopLoggedInAsync()
    {
        var page = await _browser.LogInAsync("agent", BrowserHarness.Size(1280, 900));
        await BrowserHarness.OpenAsync(page, "desktop");
        var state = page.Locator("[data-test=agent-state]");
        await state.WaitForAsync();
        if (await state.InnerTextAsync() == "LoggedOut")
        {
            await page.ClickAsync("[data-test=login]");
        }
        return (page, state);
    }

    [BrowserFact]
    public async Task The_desk_agent_logs_in_gets_a_screen_pop_answers_hangs_up_and_counts_down_wrap_up()
    {
        var (page, state) = await DesktopLoggedInAsync();
        await Assertions.Expect(state).ToHaveTextAsync("NotReady");
        await page.ClickAsync("[data-test=ready]");
        await page.Locator("[data-test=screen-pop]").WaitForAsync(new() { Timeout = 90_000 });
        Assert.Matches(@"^\d+$", await page.InnerTextAsync("[data-test=caller]"));
        await page.ScreenshotAsync(new() { Path = BrowserHarness.ScreenshotPath("desktop-screen-pop.png") });
        await page.ClickAsync("[data-test=answer]");
        await Assertions.Expect(state).ToHaveTextAsync("OnCall");
        await page.ScreenshotAsync(new() { Path = BrowserHarness.ScreenshotPath("desktop.png") });
        // Transfer (CTI-2): a target is required, and a refused transfer says why and leaves the agent on the call.
        await page.ClickAsync("[data-test=transfer-go]");
        await Assertions.Expect(page.Locator("[data-test=desk-error]")).ToContainTextAsync("Name the agent");
        await page.SelectOptionAsync("[data-test=transfer-kind]", "Queue");
        await page.FillAsync("[data-test=transfer-to]", "no-such-queue");
        await page.ClickAsync("[data-test=transfer-go]");
        await Assertions.Expect(page.Locator("[data-test=desk-error]")).ToContainTextAsync("no queue 'no-such-queue'");
        await Assertions.Expect(state).ToHaveTextAsync("OnCall");
        await page.ClickAsync("[data-test=hangup]");
        await Assertions.Expect(state).ToHaveTextAsync(new Regex("WrapUp|Ready"));
        if (await state.InnerTextAsync() == "WrapUp")
        {
            await Assertions.Expect(page.Locator("[data-test=countdown]")).ToContainTextAsync("left");
            await page.ClickAsync("[data-test=end-wrap-up]");
        }
        await Assertions.Expect(state).Not.ToHaveTextAsync("WrapUp");
    }

    [BrowserFact]
    public async Task The_desktop_dial_box_refuses_a_bad_number_and_a_dial_without_a_phone_with_the_reason_and_changes_nothing()
    {
        var (page, state) = await DesktopLoggedInAsync();
        await Assertions.Expect(state).ToHaveTextAsync(new Regex("^(Ready|NotReady)$"));
        if (await state.InnerTextAsync() == "Ready")
        {
            await page.ClickAsync("[data-test=not-ready]");
            await Assertions.Expect(state).ToHaveTextAsync("NotReady");
        }

        await page.FillAsync("[data-test=dial-number]", "12");
        await page.ClickAsync("[data-test=dial-button]");
        await Assertions.Expect(page.Locator("[data-test=desk-error]")).ToContainTextAsync("3 to 20 characters");
        await Assertions.Expect(state).ToHaveTextAsync("NotReady");

        // The desktop's own phone has no audio (and the demo gateway no trunk): the dial is refused with the reason.
        await page.FillAsync("[data-test=dial-number]", "5551234");
        await page.ClickAsync("[data-test=dial-button]");
        await Assertions.Expect(page.Locator("[data-test=desk-error]")).ToContainTextAsync("cannot dial 5551234");
        await Assertions.Expect(state).ToHaveTextAsync("NotReady");
        await Assertions.Expect(page.Locator("[data-test=dialling]")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = BrowserHarness.ScreenshotPath("desktop-dial-refused.png") });
        // Logged out again: the next desktop test logs in with its own page's phone (a closed page's phone rings nobody).
        await page.ClickAsync("[data-test=logout]");
        await Assertions.Expect(state).ToHaveTextAsync("LoggedOut");
    }

    [BrowserFact]
    public async Task A_team_leaders_announcement_appears_on_the_agent_desktop()
    {
        var desk = await _browser.LogInAsync("agent", BrowserHarness.Size(1280, 900));
        await BrowserHarness.OpenAsync(desk, "desktop");
        await desk.Locator("[data-test=agent-state]").WaitForAsync();
        var leader = await _browser.LogInAsync("leader");
        await BrowserHarness.OpenAsync(leader, "console");
        var text = $"Team meeting at {DateTime.UtcNow:HH:mm:ss}";
        await leader.FillAsync("[data-test=announcement-text]", text);
        await leader.ClickAsync("[data-test=announce-send]");
        await Assertions.Expect(desk.Locator("[data-test=announcements]")).ToContainTextAsync(text);
    }

    [BrowserFact]
    public async Task A_supervisor_changes_a_queues_settings_live_and_a_bad_value_changes_nothing()
    {
        var page = await _browser.LogInAsync("supervisor");
        await BrowserHarness.OpenAsync(page, "console");
        await page.Locator("[data-test=edit-queue] option[value=hotline-sh]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.SelectOptionAsync("[data-test=edit-queue]", "hotline-sh");
        await page.FillAsync("[data-test=ring-timeout]", "1");
        await page.ClickAsync("[data-test=save-queue]");
        await Assertions.Expect(page.Locator("[data-test=queue-settings] .error")).ToContainTextAsync("Ring timeout");

        await page.FillAsync("[data-test=ring-timeout]", "20");
        await page.FillAsync("[data-test=sl-threshold]", "25");
        await page.ClickAsync("[data-test=save-queue]");
        await Assertions.Expect(page.Locator("[data-test=console-message]")).ToContainTextAsync("hotline-sh: settings applied");

        // The queue reports its new threshold with its next figures; the wallboard shows it.
        await BrowserHarness.OpenAsync(page, "wallboard?scope=queue:hotline-sh");
        await Assertions.Expect(page.Locator("[data-tile=sl] .label")).ToContainTextAsync("in 25 s");
        using var admin = await Hosting.WebSession.LogInAsync(silo.BaseAddress, "admin", DemoUsers.PasswordOf("admin"));
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains("SL threshold 15 s -&gt; 25 s", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("ring timeout 15 s -&gt; 1 s", audit, StringComparison.Ordinal);
    }
}
