using CallCenter.Web.Security;
using CallCenter.Web.Tests.Browser;
using CallCenter.Web.Tests.Hosting;
using Microsoft.Playwright;

namespace CallCenter.Web.Tests.Knowledge;

/// <summary>
/// Debian's Chromium against the real embedded default: the department writes an article (a bad
/// one is refused with the reason), and the agent finds it from the desktop's search box; Chinese
/// text is found by substring.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class KnowledgeBrowserTests(SiloProcess silo) : IAsyncLifetime
{
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
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = silo.BaseAddress.ToString() });
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

    [BrowserFact]
    public async Task The_department_writes_an_article_and_the_agent_finds_it_from_the_desktop()
    {
        var word = $"zephyr{Random.Shared.Next(100_000, 999_999)}";
        var editor = await LogInAsync("department");
        await OpenAsync(editor, "knowledge");
        await editor.FillAsync("[data-test=kb-edit-title]", $"Meter swap {word}");
        await editor.ClickAsync("[data-test=kb-save]");
        await Assertions.Expect(editor.Locator("[data-test=kb-error]")).ToContainTextAsync("body is missing");

        await editor.FillAsync("[data-test=kb-edit-department]", "Water");
        await editor.FillAsync("[data-test=kb-edit-tags]", "meter, swap");
        await editor.FillAsync("[data-test=kb-edit-body]", $"Old meters are swapped for free; the code word is {word}.");
        await editor.ClickAsync("[data-test=kb-save]");
        await Assertions.Expect(editor.Locator("[data-test=kb-message]")).ToContainTextAsync("saved");
        await Assertions.Expect(editor.Locator("[data-test=kb-list]")).ToContainTextAsync(word);

        var desk = await LogInAsync("agent");
        await OpenAsync(desk, "desktop");
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
