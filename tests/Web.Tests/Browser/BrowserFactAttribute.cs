namespace CallCenter.Web.Tests.Browser;

/// <summary>
/// A fact that drives Debian's Chromium: skipped with the reason when /usr/bin/chromium is missing,
/// unless CALLCENTER_REQUIRE_BROWSER=1 (CI), where it runs and fails on the missing browser.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string RequireVariable = "CALLCENTER_REQUIRE_BROWSER";

    public BrowserFactAttribute()
    {
        if (!File.Exists(ChromiumPath) && Environment.GetEnvironmentVariable(RequireVariable) != "1")
        {
            Skip = $"{ChromiumPath} is missing (scripts/web-tools.sh install); set {RequireVariable}=1 to fail instead";
        }
    }
}
