using System.Diagnostics;
using System.Text.Json;
using CallCenter.LoadTests.Failover;
using Microsoft.Playwright;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>What one page saw: its wallboard's probe figures each time they changed (browser clock), and how often it rendered.</summary>
public sealed record PageLog(int Page, IReadOnlyList<PageChange> Changes, long Renders);

/// <summary>
/// The probe's figures in a page at one moment: the Ready and Not ready tiles of the probe's region
/// (agent presence path) and the probe queue's "ready / logged in" cell (queue statistics path).
/// </summary>
public sealed record PageChange(double AtUnixMs, string Ready, string NotReady, string QueueCell);

/// <summary>
/// Real wallboard circuits: one headless Chromium (Debian's, never a download), logged in once as
/// the demo supervisor, and one page (in its own context) per circuit on the probe region's wallboard. Each page
/// runs a MutationObserver that stamps every change of the probe's figures with Date.now() (the
/// same machine clock as the probe's stamps), so measuring costs no round trip to the page.
/// </summary>
public sealed class WallboardPages : IAsyncDisposable
{
    /// <summary>Only for waiting on a loaded machine, never part of a figure.</summary>
    private const float Patience = 120_000;
    private const string SupervisorUser = "supervisor";

    // Runs in each page: records the probe's figures whenever the DOM under <body> changes them, and counts renders (data-version).
    private const string ObserverScript = """
        () => {
          if (window.__wb) return;
          window.__wb = [];
          window.__wbRenders = 0;
          const text = selector => (document.querySelector(selector)?.textContent ?? '').trim();
          let last = '';
          let version = null;
          const check = () => {
            const board = document.querySelector('[data-test=wallboard]');
            const v = board ? board.getAttribute('data-version') : null;
            if (v !== version) { version = v; window.__wbRenders++; }
            const now = [text('[data-tile=ready] .value'), text('[data-tile=notready] .value'), text('tr[data-queue="__QUEUE__"] td:nth-child(4)')];
            const key = now.join('|');
            if (key !== last) { last = key; window.__wb.push([Date.now(), ...now]); }
          };
          new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
          check();
        }
        """;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<IPage> _pages = [];

    private WallboardPages(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public int Count => _pages.Count;

    /// <summary>The wallboard page of one scope (center, region:..., queue:...).</summary>
    public static string PagePath(string scope) => $"wallboard?scope={Uri.EscapeDataString(scope)}";

    public static async Task<WallboardPages> OpenAsync(string chromium, Uri web, int circuits, string scope, string probeQueue, TextWriter progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(chromium))
        {
            throw new FailoverSetupException($"{chromium} is missing (scripts/web-tools.sh install, or give --chromium PATH)");
        }
        var playwright = await Playwright.CreateAsync();
        IBrowser browser;
        try
        {
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                // Root in a container has no user namespaces for Chromium's sandbox; pages in the
                // background must keep running at full speed, as screens on a wall do.
                Args = ["--no-sandbox", "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
            });
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
        var pages = new WallboardPages(playwright, browser);
        try
        {
            // Log in once; every page gets its own context with that cookie, so that each has its own
            // connection pool (one profile's per-host socket limits would otherwise throttle the circuits).
            var login = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() });
            login.SetDefaultTimeout(Patience);
            var form = await login.NewPageAsync();
            await form.GotoAsync("login");
            await form.FillAsync("input[name=UserName]", SupervisorUser);
            await form.FillAsync("input[name=Password]", $"demo-{SupervisorUser}");
            await form.ClickAsync("button[type=submit]");
            await form.WaitForSelectorAsync("[data-test=who]");
            var cookie = await login.StorageStateAsync();
            await login.CloseAsync();

            var script = ObserverScript.Replace("__QUEUE__", probeQueue, StringComparison.Ordinal);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < circuits; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var context = await browser.NewContextAsync(new BrowserNewContextOptions
                {
                    BaseURL = web.ToString(),
                    StorageState = cookie,
                    // A wallboard is a big screen.
                    ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
                });
                context.SetDefaultTimeout(Patience);
                var page = await context.NewPageAsync();
                await page.GotoAsync(PagePath(scope));
                // Interactive: the circuit runs the page (a prerendered page would never update).
                await page.Locator("[data-test=wallboard][data-interactive] [data-tile=ready]").WaitForAsync();
                await page.EvaluateAsync(script);
                pages._pages.Add(page);
                if ((i + 1) % 10 == 0 || i + 1 == circuits)
                {
                    progress.WriteLine($"[wallboard] {i + 1} / {circuits} wallboard circuits open ({clock.Elapsed.TotalSeconds:0} s)");
                }
            }
            return pages;
        }
        catch
        {
            await pages.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts every page's render count afresh (the measurement's window starts now).</summary>
    public async Task ResetRendersAsync()
    {
        foreach (var page in _pages)
        {
            await page.EvaluateAsync("() => { window.__wbRenders = 0; }");
        }
    }

    /// <summary>Every page's log so far, read in one evaluation per page.</summary>
    public async Task<IReadOnlyList<PageLog>> CollectAsync()
    {
        var logs = new List<PageLog>();
        for (var i = 0; i < _pages.Count; i++)
        {
            var raw = await _pages[i].EvaluateAsync<JsonElement>("() => ({ log: window.__wb ?? [], renders: window.__wbRenders ?? 0 })");
            var changes = raw.GetProperty("log").EnumerateArray()
                .Select(e => new PageChange(e[0].GetDouble(), e[1].GetString() ?? "", e[2].GetString() ?? "", e[3].GetString() ?? ""))
                .ToList();
            logs.Add(new PageLog(i, changes, raw.GetProperty("renders").GetInt64()));
        }
        return logs;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _browser.CloseAsync();
        }
        catch (PlaywrightException)
        {
        }
        _playwright.Dispose();
    }
}
