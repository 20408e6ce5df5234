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
    private BrowserHarness _browser = null!;

    public async Task InitializeAsync() => _browser = await BrowserHarness.LaunchAsync(silo.BaseAddress, BrowserHarness.Size(1400, 1000));

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    private static FilePayload CsvFile(string name, string text) =>
        new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    [BrowserFact]
    public async Task A_supervisor_imports_a_file_with_a_bad_row_sees_the_report_and_nothing_then_a_good_file()
    {
        var page = await _browser.LogInAsync("supervisor");
        await BrowserHarness.OpenAsync(page, "customers");
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
    public async Task A_supervisor_edits_a_customer_a_bad_edit_changes_nothing_and_deletes_it()
    {
        var tag = $"Editable {Random.Shared.Next(100_000, 999_999)}";
        var number = $"0571{Random.Shared.Next(10_000_000, 99_999_999)}";
        using (var api = await WebSession.LogInAsync(silo.BaseAddress, "supervisor", DemoUsers.PasswordOf("supervisor")))
        {
            var created = await api.PostAsync(CustomerEndpoints.ImportPath, new StringContent($"name,phones,level\n{tag},{number},normal\n", Encoding.UTF8, CustomerEndpoints.CsvContentType));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        var page = await _browser.LogInAsync("supervisor");
        await BrowserHarness.OpenAsync(page, "customers");
        await page.FillAsync("[data-test=customer-search]", tag);
        var row = page.Locator("[data-test=customer-list] tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);

        await row.Locator("[data-test=customer-edit]").ClickAsync();
        var editor = page.Locator("[data-test=customer-editor]");
        await editor.Locator("[data-test=customer-edit-name]").FillAsync(" ");
        await editor.Locator("[data-test=customer-save]").ClickAsync();
        await Assertions.Expect(editor.Locator("[data-test=customer-edit-error]")).ToContainTextAsync("name is missing");
        await Assertions.Expect(row).ToContainTextAsync(tag);

        await editor.Locator("[data-test=customer-edit-name]").FillAsync($"{tag} renamed");
        await editor.Locator("[data-test=customer-edit-level]").SelectOptionAsync("Gold");
        await editor.Locator("[data-test=customer-save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=customer-message]")).ToContainTextAsync("saved");
        await Assertions.Expect(row).ToContainTextAsync($"{tag} renamed");
        await Assertions.Expect(row).ToContainTextAsync("gold");

        await row.Locator("[data-test=customer-delete]").ClickAsync();
        await row.Locator("[data-test=customer-delete-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=customer-message]")).ToContainTextAsync("deleted");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        using var supervisor = await WebSession.LogInAsync(silo.BaseAddress, "supervisor", DemoUsers.PasswordOf("supervisor"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await supervisor.GetAsync($"{CustomerEndpoints.BasePath}?phone={number}")).StatusCode);
    }

    [BrowserFact]
    public async Task The_screen_pop_shows_the_customer_panel_and_an_unknown_caller_becomes_a_customer_with_history()
    {
        var page = await _browser.LogInAsync("agent");
        await BrowserHarness.OpenAsync(page, "desktop");
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
