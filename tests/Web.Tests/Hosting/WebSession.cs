using System.Net;
using System.Text.RegularExpressions;

namespace CallCenter.Web.Tests.Hosting;

/// <summary>An HTTP session against the site: logs in through the real form (antiforgery token and all) and keeps the cookie.</summary>
public sealed partial class WebSession : IDisposable
{
    private readonly HttpClient _http;

    public WebSession(Uri baseAddress)
    {
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public static async Task<WebSession> LogInAsync(Uri baseAddress, string userName, string password)
    {
        var session = new WebSession(baseAddress);
        var response = await session.PostLoginAsync(userName, password);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.Contains("failed", StringComparison.Ordinal) == true)
            throw new InvalidOperationException($"Login as {userName} failed: {(int)response.StatusCode} -> {response.Headers.Location}");
        return session;
    }

    public async Task<HttpResponseMessage> PostLoginAsync(string userName, string password)
    {
        var page = await (await _http.GetAsync("login")).Content.ReadAsStringAsync();
        var token = TokenPattern().Match(page) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("No antiforgery token on the login page.");
        return await _http.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["UserName"] = userName,
            ["Password"] = password,
            ["ReturnUrl"] = "/",
        }));
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path.TrimStart('/'));

    public Task<HttpResponseMessage> PostAsync(string path, HttpContent content) => _http.PostAsync(path.TrimStart('/'), content);

    /// <summary>Any method with an optional JSON body (the REST API), with the session's cookie and extra headers.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? json = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/'))
        {
            Content = json is null ? null : System.Net.Http.Json.JsonContent.Create(json),
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.Add(name, value);
        return _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
