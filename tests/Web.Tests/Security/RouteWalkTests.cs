using System.Net;
using System.Reflection;
using CallCenter.Security;
using CallCenter.Web.Api;
using CallCenter.Web.Customers;
using CallCenter.Web.Security;
using CallCenter.Web.Tests.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace CallCenter.Web.Tests.Security;

/// <summary>
/// Every page and API endpoint, as every demo role and as nobody, against the real site: allowed
/// exactly when the role's permissions (the directory's default table) include the route's policy.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class RouteWalkTests(SiloProcess silo)
{
    /// <summary>Pages any signed-in person may open (they show nothing role-specific).</summary>
    private static readonly string[] SignedInPages = ["/", CallCenterWebExtensions.OpenApiPath];

    /// <summary>
    /// A route to walk. API routes answer with status codes (401 signed out, 403 not allowed); an
    /// allowed call on the walk's made-up id must reach the handler and find nothing (404), so walking changes nothing.
    /// </summary>
    private sealed record RouteRule(string Method, string Path, string? Policy, bool Anonymous, bool Api)
    {
        public int AllowedStatus => Api && Path.Contains(IntegrationApi.WalkId, StringComparison.Ordinal) ? 404 : 200;
    }

    private static IReadOnlyList<RouteRule> Routes()
    {
        var pages = typeof(CallCenterWebExtensions).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => new RouteRule(
                "GET",
                r.Template,
                t.GetCustomAttributes<AuthorizeAttribute>().Select(a => a.Policy).FirstOrDefault(p => p is not null),
                t.GetCustomAttribute<AllowAnonymousAttribute>() is not null,
                Api: false)));
        var api = CallCenterWebExtensions.ApiRoutes.Select(r => new RouteRule("GET", r.Path, r.Policy, false, Api: true))
            .Concat(IntegrationApi.Routes.Select(r => new RouteRule(r.Method, r.SamplePath, r.Policy, false, Api: true)))
            .Concat(CustomerEndpoints.Commands.Select(c => new RouteRule(c.Method, c.Path, c.Policy, false, Api: true)))
            .Append(new RouteRule("GET", CallCenterWebExtensions.OpenApiPath, null, false, Api: true));
        return [.. pages.Concat(api)];
    }

    [Fact]
    public void Every_page_declares_a_policy_or_is_explicitly_open()
    {
        var routes = Routes();
        Assert.Contains(routes, r => r.Path == "/wallboard");
        Assert.Contains(routes, r => r.Path == "/console");
        Assert.Contains(routes, r => r.Path == "/desktop");
        Assert.Contains(routes, r => r.Path == "/tickets" && r.Policy == Permissions.HandleTickets);
        Assert.Contains(routes, r => r.Path == "/tickets/inbox" && r.Policy == Permissions.HandleTickets);
        Assert.Contains(routes, r => r.Path == "/tickets/{TicketId}" && r.Policy == Permissions.HandleTickets);
        Assert.Contains(routes, r => r.Path == "/tickets/new" && r.Policy == Permissions.CreateTickets);
        Assert.Contains(routes, r => r.Path == $"{IntegrationApi.Prefix}/agents");
        Assert.Contains(routes, r => r.Method == "DELETE" && r.Path.StartsWith(CustomerEndpoints.BasePath, StringComparison.Ordinal) && r.Policy == Permissions.ManageCustomers);
        var undeclared = routes.Where(r => r.Policy is null && !r.Anonymous && !SignedInPages.Contains(r.Path)).Select(r => r.Path).ToList();
        Assert.True(undeclared.Count == 0, $"Pages without a policy: {string.Join(", ", undeclared)}");
        var unknown = routes.Where(r => r.Policy is not null && !Enum.TryParse<Permission>(r.Policy, out _)).Select(r => r.Path).ToList();
        Assert.True(unknown.Count == 0, $"Policies that name no permission: {string.Join(", ", unknown)}");
    }

    [Fact]
    public async Task Every_route_as_every_role_is_allowed_exactly_by_the_permission_table()
    {
        var failures = new List<string>();
        var walked = 0;
        foreach (var person in DemoUsers.People)
        {
            using var session = await WebSession.LogInAsync(silo.BaseAddress, person.UserName, DemoUsers.PasswordOf(person.UserName));
            var permissions = SecurityDirectory.DefaultRolePermissions[person.Role];
            foreach (var route in Routes())
            {
                var allowed = route.Anonymous || route.Policy is null || permissions.Contains(Enum.Parse<Permission>(route.Policy));
                var response = await session.SendAsync(new HttpMethod(route.Method), route.Path);
                walked++;
                var ok = allowed ? (int)response.StatusCode == route.AllowedStatus
                    : route.Api ? response.StatusCode == HttpStatusCode.Forbidden
                    : response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains(AccountEndpoints.DeniedPath, StringComparison.Ordinal);
                if (!ok)
                    failures.Add($"{person.Role} {route.Method} {route.Path}: expected {(allowed ? route.AllowedStatus.ToString() : route.Api ? "403" : "redirect to denied")}, got {(int)response.StatusCode} {response.Headers.Location}");
            }
        }
        using var anonymous = new WebSession(silo.BaseAddress);
        foreach (var route in Routes())
        {
            var response = await anonymous.SendAsync(new HttpMethod(route.Method), route.Path);
            walked++;
            var ok = route.Anonymous ? response.StatusCode == HttpStatusCode.OK
                : route.Api ? response.StatusCode == HttpStatusCode.Unauthorized
                : response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains(AccountEndpoints.LoginPath, StringComparison.Ordinal);
            if (!ok)
                failures.Add($"anonymous {route.Method} {route.Path}: got {(int)response.StatusCode} {response.Headers.Location}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal((DemoUsers.People.Length + 1) * Routes().Count, walked);
    }

    [Fact]
    public async Task A_wrong_password_signs_nobody_in_and_is_audited()
    {
        using var session = new WebSession(silo.BaseAddress);
        var response = await session.PostLoginAsync("supervisor", "not-the-password");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("failed=1", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var wallboard = await session.GetAsync("/wallboard");
        Assert.Equal(HttpStatusCode.Redirect, wallboard.StatusCode);
        Assert.Contains(AccountEndpoints.LoginPath, wallboard.Headers.Location!.OriginalString, StringComparison.Ordinal);

        using var admin = await WebSession.LogInAsync(silo.BaseAddress, "admin", DemoUsers.PasswordOf("admin"));
        var audit = await (await admin.GetAsync("/audit")).Content.ReadAsStringAsync();
        Assert.Contains("login-failed", audit, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_statistics_api_serves_the_live_figures_to_a_wallboard_role()
    {
        using var session = await WebSession.LogInAsync(silo.BaseAddress, "department", DemoUsers.PasswordOf("department"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpResponseMessage response;
        do
        {
            response = await session.GetAsync(CallCenterWebExtensions.StatisticsApiPath);
        }
        while (response.StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"queues\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(250);
        return true;
    }
}
