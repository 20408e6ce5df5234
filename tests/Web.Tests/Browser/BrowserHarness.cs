using CallCenter.Web.Security;
using CallCenter.Web.Tests.Hosting;
using Microsoft.Playwright;

namespace CallCenter.Web.Tests.Browser;

/// <summary>
/// Debian's Chromium, headless, for one browser test class: launch, log in as a demo user through
/// the real form, open a page once its circuit runs it, screenshots under artifacts/screenshots/
/// (git-ignored), and teardown. Every browser test class starts and stops it the same way.
/// </summary>
public sealed class BrowserHarness : IAsyncDisposable
{
    /// <summary>Generous: only for waiting on the live system, never a speed assertion.</summary>
    public const float Patience = 60_000;
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly Uri _baseAddress;
    private readonly ViewportSize? _viewport;

    private BrowserHarness(IPlaywright playwright, IBrowser browser, Uri baseAddress, ViewportSize? viewport)
    {
        _playwright = playwright;
        _browser = browser;
        _baseAddress = baseAddress;
        _viewport = viewport;
    }

    /// <param name="viewport">The pages' size unless a log-in asks for another; null keeps Playwright's default (1280 x 720).</param>
    public static async Task<BrowserHarness> LaunchAsync(Uri baseAddress, ViewportSize? viewport = null)
    {
        Assertions.SetDefaultExpectTimeout(Patience);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = BrowserFactAttribute.ChromiumPath,
                Headless = true,
                // Root in a container has no user namespaces for Chromium's sandbox.
                Args = ["--no-sandbox"],
            });
            return new BrowserHarness(playwright, browser, baseAddress, viewport);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh context (its own cookie) logged in as a demo user through the login form.</summary>
    public async Task<IPage> LogInAsync(string userName, ViewportSize? viewport = null)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _baseAddress.ToString(),
            ViewportSize = viewport ?? _viewport,
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

    /// <summary>Opens a page and waits until its circuit runs it (a prerendered page shows buttons that do nothing yet).</summary>
    public static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await page.Locator("[data-interactive]").WaitForAsync();
    }

    public static ViewportSize Size(int width, int height) => new() { Width = width, Height = height };

    public static string ScreenshotPath(string name)
    {
        var folder = Path.Combine(SiloProcess.RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
