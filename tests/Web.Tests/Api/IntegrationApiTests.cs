using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallCenter.Web.Api;
using CallCenter.Web.Security;
using CallCenter.Web.Tests.Hosting;

namespace CallCenter.Web.Tests.Api;

/// <summary>
/// The REST API against the real embedded default (demo center and traffic): good requests answer
/// with the live data, bad ones with RFC 9457 problem details (400 naming the field, 404 for an
/// unknown id) and change nothing; changes are audited; the OpenAPI document lists every endpoint.
/// Writes touch only the Henan queue and agents, which the browser tests leave alone.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class IntegrationApiTests(SiloProcess silo)
{
    private const string V1 = IntegrationApi.Prefix;
    private const string TestQueue = "hotline-hn";

    private Task<WebSession> As(string user) => WebSession.LogInAsync(silo.BaseAddress, user, DemoUsers.PasswordOf(user));

    [Fact]
    public async Task Agents_queues_calls_and_statistics_are_listed_with_their_live_state()
    {
        using var session = await As("supervisor");
        var agents = await Json(await Eventually(session, $"{V1}/agents"));
        var bj01 = agents.EnumerateArray().Single(a => a.GetProperty("agentId").GetString() == "bj-01");
        Assert.Equal("bj-team-a", bj01.GetProperty("team").GetString());
        Assert.Equal(1, bj01.GetProperty("queues").GetProperty("hotline-bj").GetInt32());
        Assert.False(string.IsNullOrEmpty(bj01.GetProperty("state").GetString()));

        var queues = await Json(await session.GetAsync($"{V1}/queues"));
        var bj = queues.EnumerateArray().Single(q => q.GetProperty("queueId").GetString() == "hotline-bj");
        Assert.True(Enum.TryParse<CallCenter.Acd.RoutingStrategy>(bj.GetProperty("strategy").GetString(), out _));
        Assert.True(bj.GetProperty("ringTimeoutSeconds").GetDouble() > 0);

        var one = await Json(await session.GetAsync($"{V1}/agents/bj-01"));
        Assert.Equal("bj", one.GetProperty("region").GetString());
        var queue = await Json(await session.GetAsync($"{V1}/queues/hotline-bj"));
        Assert.Equal("hotline-bj", queue.GetProperty("queueId").GetString());

        var calls = await Json(await session.GetAsync($"{V1}/calls"));
        Assert.True(calls.GetProperty("waitingByQueue").TryGetProperty("hotline-bj", out _));
        // The waiting calls: each in a queue the counts name, positions 1, 2, ... in each queue's offer order.
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var waiting in calls.GetProperty("waiting").EnumerateArray())
        {
            var queueId = waiting.GetProperty("queueId").GetString()!;
            Assert.True(calls.GetProperty("waitingByQueue").TryGetProperty(queueId, out _), queueId);
            positions[queueId] = positions.GetValueOrDefault(queueId) + 1;
            Assert.Equal(positions[queueId], waiting.GetProperty("position").GetInt32());
            Assert.False(string.IsNullOrEmpty(waiting.GetProperty("callId").GetString()));
            Assert.True(waiting.GetProperty("waited").ValueKind == JsonValueKind.String);
        }
        foreach (var call in calls.GetProperty("atAgents").EnumerateArray())
        {
            // Every call listed can be read on its own, unless it ended (and its grain forgot it) in between.
            var callId = call.GetProperty("callId").GetString();
            var read = await session.GetAsync($"{V1}/calls/{callId}");
            Assert.True(read.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{callId}: {(int)read.StatusCode}");
            if (read.StatusCode == HttpStatusCode.OK)
                Assert.Equal(callId, (await Json(read)).GetProperty("callId").GetString());
        }

        var center = await Json(await session.GetAsync($"{V1}/statistics"));
        Assert.Equal("center", center.GetProperty("scope").GetString(), StringComparer.OrdinalIgnoreCase);
        var region = await Json(await session.GetAsync($"{V1}/statistics/regions/bj"));
        Assert.True(region.TryGetProperty("callsWaiting", out _));
        var queueFigures = await Json(await session.GetAsync($"{V1}/statistics/queues/hotline-bj"));
        Assert.Equal("hotline-bj", queueFigures.GetProperty("queueId").GetString());
    }

    [Theory]
    [InlineData("/agents/no-such-agent")]
    [InlineData("/queues/no-such-queue")]
    [InlineData("/calls/no-such-call")]
    [InlineData("/statistics/regions/no-such-region")]
    [InlineData("/statistics/queues/no-such-queue")]
    public async Task An_unknown_id_is_a_404_problem(string path)
    {
        using var session = await As("admin");
        var response = await Eventually(session, $"{V1}{path}");
        await AssertProblem(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("GET", "/agents/bad%20id", "agentId")]
    [InlineData("GET", "/calls/%3Cscript%3E", "callId")]
    [InlineData("POST", "/agents/bad$id/logout", "agentId")]
    [InlineData("GET", "/statistics/queues/q%2Fslash", "queueId")]
    public async Task A_malformed_id_is_a_400_problem_naming_the_field(string method, string path, string field)
    {
        using var session = await As("admin");
        var response = await session.SendAsync(new HttpMethod(method), $"{V1}{path}");
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Bad_queue_settings_are_a_400_naming_each_field_and_change_nothing()
    {
        using var session = await As("supervisor");
        var before = await (await session.GetAsync($"{V1}/queues/{TestQueue}")).Content.ReadAsStringAsync();
        var response = await session.SendAsync(HttpMethod.Put, $"{V1}/queues/{TestQueue}/settings",
            new { strategy = "Loudest", ringTimeoutSeconds = 1, serviceLevelThresholdSeconds = 20, overflowTarget = "no-such-queue" });
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "strategy", "ringTimeoutSeconds", "overflowTarget" })
            Assert.True(errors.TryGetProperty(field, out _), $"{field} missing in {errors}");
        Assert.False(errors.TryGetProperty("serviceLevelThresholdSeconds", out _));
        var after = await (await session.GetAsync($"{V1}/queues/{TestQueue}")).Content.ReadAsStringAsync();
        Assert.Equal(Settings(before), Settings(after));

        var numeric = await session.SendAsync(HttpMethod.Put, $"{V1}/queues/{TestQueue}/settings", new { strategy = "3" });
        await AssertProblem(numeric, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_queue_settings_change_applies_live_and_is_audited()
    {
        using var session = await As("supervisor");
        var before = await Json(await session.GetAsync($"{V1}/queues/{TestQueue}"));
        var threshold = before.GetProperty("serviceLevelThresholdSeconds").GetDouble() == 25 ? 35 : 25;
        var response = await session.SendAsync(HttpMethod.Put, $"{V1}/queues/{TestQueue}/settings",
            new { serviceLevelThresholdSeconds = threshold, strategy = "FewestCalls" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await Json(await session.GetAsync($"{V1}/queues/{TestQueue}"));
        Assert.Equal(threshold, after.GetProperty("serviceLevelThresholdSeconds").GetDouble());
        Assert.Equal("FewestCalls", after.GetProperty("strategy").GetString());
        Assert.Equal(before.GetProperty("ringTimeoutSeconds").GetDouble(), after.GetProperty("ringTimeoutSeconds").GetDouble());

        using var admin = await As("admin");
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains("configure-queue", audit, StringComparison.Ordinal);
        Assert.Contains($"SL threshold", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forced_not_ready_takes_effect_and_ready_brings_the_agent_back()
    {
        using var session = await As("leader");
        var tooLong = await session.SendAsync(HttpMethod.Post, $"{V1}/agents/hn-01/not-ready", new { reason = new string('x', ApiInput.MaxReasonLength + 1) });
        await AssertProblem(tooLong, HttpStatusCode.BadRequest);

        // Demo traffic keeps agents busy: an agent ringing or on a call refuses with 409; try the Henan agents in turn.
        string? forced = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (forced is null && DateTime.UtcNow < deadline)
        {
            foreach (var agent in (await Json(await Eventually(session, $"{V1}/agents"))).EnumerateArray()
                .Where(a => a.GetProperty("region").ValueKind == JsonValueKind.String && a.GetProperty("region").GetString() == "hn"))
            {
                var id = agent.GetProperty("agentId").GetString()!;
                var response = await session.SendAsync(HttpMethod.Post, $"{V1}/agents/{id}/not-ready", new { reason = "api-test" });
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var view = await Json(response);
                    Assert.Equal("NotReady", view.GetProperty("state").GetString());
                    Assert.Equal("api-test", view.GetProperty("reasonCode").GetString());
                    forced = id;
                    break;
                }
                await AssertProblem(response, HttpStatusCode.Conflict);
            }
        }
        Assert.NotNull(forced);
        var ready = await session.SendAsync(HttpMethod.Post, $"{V1}/agents/{forced}/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.NotEqual("NotReady", (await Json(ready)).GetProperty("state").GetString());

        using var admin = await As("admin");
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains("force-not-ready", audit, StringComparison.Ordinal);
        Assert.Contains("make-ready", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_moves_between_queues_and_bad_moves_change_nothing()
    {
        using var session = await As("supervisor");
        var path = $"{V1}/agents/hn-02/queues/hotline-sh";
        var added = await session.SendAsync(HttpMethod.Put, path, new { level = 3 });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(3, (await Json(added)).GetProperty("queues").GetProperty("hotline-sh").GetInt32());

        await AssertProblem(await session.SendAsync(HttpMethod.Put, path, new { level = 0 }), HttpStatusCode.BadRequest);
        await AssertProblem(await session.SendAsync(HttpMethod.Put, $"{V1}/agents/hn-02/queues/no-such-queue", new { level = 1 }), HttpStatusCode.NotFound);
        Assert.Equal(3, (await Json(await session.GetAsync($"{V1}/agents/hn-02"))).GetProperty("queues").GetProperty("hotline-sh").GetInt32());

        var removed = await session.SendAsync(HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.False((await Json(removed)).GetProperty("queues").TryGetProperty("hotline-sh", out _));
        await AssertProblem(await session.SendAsync(HttpMethod.Delete, path), HttpStatusCode.BadRequest);
        Assert.True((await Json(await session.GetAsync($"{V1}/agents/hn-02"))).GetProperty("queues").TryGetProperty("hotline-hn", out _));
    }

    /// <summary>True when <paramref name="path"/> fits <paramref name="template"/> segment by segment, a {parameter} fitting any one segment.</summary>
    private static bool FitsTemplate(string template, string path)
    {
        var expected = template.Split('/');
        var actual = path.Split('/');
        return expected.Length == actual.Length
            && expected.Zip(actual).All(pair => pair.First.StartsWith('{') || string.Equals(pair.First, pair.Second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_openapi_document_parses_and_names_every_api_endpoint()
    {
        using var session = await As("department");
        var response = await session.GetAsync(CallCenterWebExtensions.OpenApiPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await Json(response);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        foreach (var route in IntegrationApi.Routes)
        {
            Assert.True(paths.TryGetProperty(route.Pattern, out var item), $"{route.Pattern} is missing from the document");
            Assert.True(item.TryGetProperty(route.Method.ToLowerInvariant(), out _), $"{route.Method} {route.Pattern} is missing from the document");
        }
        // The walk's table names concrete requests (an id, a query): each must fit a documented template.
        var templates = paths.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var (path, _) in CallCenterWebExtensions.ApiRoutes)
            Assert.True(templates.Any(t => FitsTemplate(t, path.Split('?')[0])), $"{path} is missing from the document");
        foreach (var (method, path, _) in global::CallCenter.Web.Customers.CustomerEndpoints.Commands)
            Assert.True(paths.EnumerateObject().Any(p => FitsTemplate(p.Name, path) && p.Value.TryGetProperty(method.ToLowerInvariant(), out _)), $"{method} {path} is missing from the document");
        // Every /api endpoint the site maps is in the document, and nothing else is.
        Assert.All(paths.EnumerateObject(), p => Assert.StartsWith("/api/", p.Name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_api_key_acts_with_its_roles_permissions_and_is_audited_by_name()
    {
        using var integration = new WebSession(silo.BaseAddress);
        var key = new Dictionary<string, string> { [ApiKeyAuthenticationHandler.HeaderName] = SiloProcess.ApiKey };
        var agents = await integration.SendAsync(HttpMethod.Get, $"{V1}/agents", headers: key);
        Assert.Equal(HttpStatusCode.OK, agents.StatusCode);
        var added = await integration.SendAsync(HttpMethod.Put, $"{V1}/agents/hn-03/queues/hotline-gd", new { level = 4 }, key);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await integration.SendAsync(HttpMethod.Delete, $"{V1}/agents/hn-03/queues/hotline-gd", headers: key)).StatusCode);
        // A supervisor's key: not the admin's audit page.
        Assert.Equal(HttpStatusCode.Forbidden, (await integration.SendAsync(HttpMethod.Get, "/audit", headers: key)).StatusCode);

        var wrong = new Dictionary<string, string> { [ApiKeyAuthenticationHandler.HeaderName] = SiloProcess.ApiKey + "x" };
        Assert.Equal(HttpStatusCode.Unauthorized, (await integration.SendAsync(HttpMethod.Get, $"{V1}/agents", headers: wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await integration.SendAsync(HttpMethod.Get, $"{V1}/agents")).StatusCode);

        using var admin = await As("admin");
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains($"api:{SiloProcess.ApiKeyName}", audit, StringComparison.Ordinal);
        Assert.Contains("remove-from-queue", audit, StringComparison.Ordinal);
    }

    private static string Settings(string queueJson)
    {
        using var document = JsonDocument.Parse(queueJson);
        // The live figures move with the demo traffic; the settings must not.
        return string.Join("|", document.RootElement.EnumerateObject().Where(p => p.Name != "live").Select(p => $"{p.Name}={p.Value}"));
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The live feed needs a moment after start-up: wait (generously) while the API says 503.</summary>
    private static async Task<HttpResponseMessage> Eventually(WebSession session, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var response = await session.GetAsync(path);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
                return response;
            await Task.Delay(250);
        }
    }
}
