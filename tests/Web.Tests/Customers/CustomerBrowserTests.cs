using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallCenter.Web.Customers;
using CallCenter.Web.Security;
using CallCenter.Web.Tests.Browser;
using CallCenter.Web.Tests.Hosting;
using Microsoft.Playwright;

namespace CallCenter.Web.Tests.Customers;

/// <summary>
/// Debian's Chromium against the real embedded default: a supervisor imports a CSV with a bad row
/// (sees the rejection report, nothing is imported), then a good file (the customers appear); the
/// desk agent sees the customer panel in the screen pop, creates the unknown caller as a customer,
/// and the ended call shows up in that customer's history.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class CustomerBrowserTests(SiloProcess silo) : IAsyncLifetime
{
    /// <summary>Generous: only for waiting on the live system, never a speed assertion.</summary>
    private const float Patience = 60_000;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(Patience);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFactAttribute.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }

    private async Task<IPage> LogInAsync(string userName)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = silo.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout(Patience);
        var page = await context.NewPageAsync();
        await page.GotoAsync("login");
        await page.FillAsync("input[name=UserName]", userName);
        await page.FillAsync("input[name=Password]", DemoUsers.PasswordOf(userName));
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-test=who]");
        return page;
    }

    private static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.Locator("[data-interactive]").WaitForAsync();
    }

    private static FilePayload CsvFile(string name, string text) =>
        new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    [BrowserFact]
    public async Task A_supervisor_imports_a_file_with_a_bad_row_sees_the_report_and_nothing_then_a_good_file()
    {
        var page = await LogInAsync("supervisor");
        await OpenAsync(page, "customers");
        var tag = $"Imported {Random.Shared.Next(100_000, 999_999)}";
        var (a, b) = ($"0571{Random.Shared.Next(10_000_000, 99_999_999)}", $"0571{Random.Shared.Next(10_000_000, 99_999_999)}");

        await page.SetInputFilesAsync("[data-test=import-file]", CsvFile("bad.csv", $"name,phones,level\n{tag} A,{a},vip\n{tag} B,{b},diamond\n"));
        await Assertions.Expect(page.Locator("[data-test=import-rejected]")).ToContainTextAsync("nothing was imported");
        await Assertions.Expect(page.Locator("[data-test=rejected-row][data-line='3']")).ToContainTextAsync("level 'diamond'");
        await page.FillAsync("[data-test=customer-search]", tag);
        await Assertions.Expect(page.Locator("[data-test=customer-list] tbody tr")).ToHaveCountAsync(0);

        await page.SetInputFilesAsync("[data-test=import-file]", CsvFile("good.csv", $"name,phones,level\n{tag} A,{a},vip\n{tag} B,{b},gold\n"));
        await Assertions.Expect(page.Locator("[data-test=import-result]")).ToContainTextAsync("2 created");
        await page.FillAsync("[data-test=customer-search]", tag + " ");
        await page.FillAsync("[data-test=customer-search]", tag);
        await Assertions.Expect(page.Locator("[data-test=customer-list] tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=customer-list]")).ToContainTextAsync(a);
    }

    [BrowserFact]
    public async Task The_screen_pop_shows_the_customer_panel_and_an_unknown_caller_becomes_a_customer_with_history()
    {
        var page = await LogInAsync("agent");
        await OpenAsync(page, "desktop");
        var state = page.Locator("[data-test=agent-state]");
        await state.WaitForAsync();
        // Another desktop test may have left the agent logged in with its own (closed) page as the
        // phone: log out and in again so that this page's desktop is the one that rings.
        await LeaveLoggedOut(page);
        await page.ClickAsync("[data-test=login]");
        await Assertions.Expect(state).ToHaveTextAsync("NotReady");
        await page.ClickAsync("[data-test=ready]");
        var pop = page.Locator("[data-test=screen-pop]");
        await pop.WaitForAsync(new() { Timeout = 90_000 });
        await Assertions.Expect(pop.Locator("[data-test=customer-panel]")).ToBeVisibleAsync();
        var caller = await pop.Locator("[data-test=caller]").InnerTextAsync();
        await page.ClickAsync("[data-test=answer]");
        await Assertions.Expect(state).ToHaveTextAsync("OnCall");

        var panel = page.Locator("[data-test=on-call] [data-test=customer-panel]");
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-known", new Regex("^(yes|no)$"));
        var callId = Regex.Match(await page.InnerTextAsync("[data-test=on-call] h2"), @"On call (\S+)").Groups[1].Value;
        if (await panel.GetAttributeAsync("data-known") == "no")
        {
            await panel.Locator("[data-test=new-customer-name]").FillAsync($"Caller {caller}");
            await panel.Locator("[data-test=new-customer-level]").SelectOptionAsync("Vip");
            await panel.Locator("[data-test=create-customer]").ClickAsync();
        }
        await Assertions.Expect(panel.Locator("[data-test=customer-level]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-test=hangup]");
        await Assertions.Expect(state).Not.ToHaveTextAsync("OnCall");
        await LeaveLoggedOut(page);

        // The ended call reaches the caller's history (appended when the call's record is written).
        using var supervisor = await WebSession.LogInAsync(silo.BaseAddress, "supervisor", DemoUsers.PasswordOf("supervisor"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string history;
        do
        {
            history = await (await supervisor.GetAsync($"{CustomerEndpoints.BasePath}?phone={caller}")).Content.ReadAsStringAsync();
        }
        while (!history.Contains(callId, StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Pause());
        var contacts = JsonDocument.Parse(history).RootElement.GetProperty("contacts").EnumerateArray();
        Assert.Contains(contacts, c => c.GetProperty("callId").GetString() == callId && c.GetProperty("agentId").GetString() == DemoUsers.DeskAgentId);
    }

    /// <summary>
    /// Logs the desk agent out whatever it is doing (demo calls keep arriving), so that the other
    /// desktop tests in this collection find it as a fresh login does.
    /// </summary>
    private static async Task LeaveLoggedOut(IPage page)
    {
        var state = page.Locator("[data-test=agent-state]");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            var button = await state.InnerTextAsync() switch
            {
                "LoggedOut" => null,
                "Ready" => "not-ready",
                "NotReady" => "logout",
                "Reserved" => "decline",
                "OnCall" or "OnHold" => "hangup",
                "WrapUp" => "end-wrap-up",
                _ => "",
            };
            if (button is null)
            {
                return;
            }
            var control = page.Locator($"[data-test={button}]");
            if (button.Length > 0 && await control.CountAsync() == 1 && await control.IsEnabledAsync())
            {
                await control.ClickAsync(new() { Timeout = 5_000 }).ContinueWith(t => t.Exception?.Handle(_ => true));
            }
            await Task.Delay(250);
        }
        Assert.Fail($"The desk agent could not be logged out; it is {await state.InnerTextAsync()}");
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(250);
        return true;
    }
}
