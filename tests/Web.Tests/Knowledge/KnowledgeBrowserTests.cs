using CallCenter.Web.Security;
using CallCenter.Web.Tests.Browser;
using CallCenter.Web.Tests.Hosting;
using Microsoft.Playwright;

namespace CallCenter.Web.Tests.Knowledge;

/// <summary>
/// Debian's Chromium against the real embedded default: the department writes an article (a bad
/// one, or one of another department, is refused with the reason), and the agent finds it from the desktop's search box; Chinese
/// text is found by substring.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class KnowledgeBrowserTests(SiloProcess silo) : IAsyncLifetime
{
    private BrowserHarness _browser = null!;

    public async Task InitializeAsync() => _browser = await BrowserHarness.LaunchAsync(silo.BaseAddress);

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [BrowserFact]
    public async Task The_department_writes_an_article_and_the_agent_finds_it_from_the_desktop()
    {
        var word = $"zephyr{Random.Shared.Next(100_000, 999_999)}";
        var editor = await _browser.LogInAsync("department");
        await BrowserHarness.OpenAsync(editor, "knowledge");
        await editor.FillAsync("[data-test=kb-edit-title]", $"Meter swap {word}");
        await editor.ClickAsync("[data-test=kb-save]");
        await Assertions.Expect(editor.Locator("[data-test=kb-error]")).ToContainTextAsync("body is missing");

        // The billing department keeps Billing's articles only: another department's is refused, nothing saved.
        await editor.FillAsync("[data-test=kb-edit-department]", "Water");
        await editor.FillAsync("[data-test=kb-edit-tags]", "meter, swap");
        await editor.FillAsync("[data-test=kb-edit-body]", $"Old meters are swapped for free; the code word is {word}.");
        await editor.ClickAsync("[data-test=kb-save]");
        await Assertions.Expect(editor.Locator("[data-test=kb-error]")).ToContainTextAsync("not of Water");
        await Assertions.Expect(editor.Locator("[data-test=kb-list]")).Not.ToContainTextAsync(word);
        // The demo's Water articles show no edit or delete buttons to this editor.
        await Assertions.Expect(editor.Locator("[data-test=kb-list] tr:has-text('Reporting a water leak') [data-test=kb-not-yours]")).ToBeVisibleAsync();

        await editor.FillAsync("[data-test=kb-edit-department]", "Billing");
        await editor.ClickAsync("[data-test=kb-save]");
        await Assertions.Expect(editor.Locator("[data-test=kb-message]")).ToContainTextAsync("saved");
        await Assertions.Expect(editor.Locator("[data-test=kb-list]")).ToContainTextAsync(word);

        var desk = await _browser.LogInAsync("agent");
        await BrowserHarness.OpenAsync(desk, "desktop");
        await desk.FillAsync("[data-test=kb-query]", word.ToUpperInvariant());
        await desk.ClickAsync("[data-test=kb-go]");
        var hit = desk.Locator("[data-test=kb-hit]").First;
        await Assertions.Expect(hit.Locator("[data-test=kb-title]")).ToContainTextAsync(word);
        await Assertions.Expect(hit.Locator("[data-test=kb-body]")).ToContainTextAsync("swapped for free");

        // The demo's Chinese article on refunds, found by a two-character substring.
        await desk.FillAsync("[data-test=kb-query]", "退款");
        await desk.ClickAsync("[data-test=kb-go]");
        await Assertions.Expect(desk.Locator("[data-test=kb-hit]").First).ToContainTextAsync("退款申请流程");
    }
}
