using System.Text.Json.Serialization;
using CallCenter.Security;
using CallCenter.Web.Api;
using CallCenter.Web.Components;
using CallCenter.Web.Customers;
using CallCenter.Web.Knowledge;
using CallCenter.Web.Security;
using CallCenter.Web.Shared;
using CallCenter.Web.Tickets;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace CallCenter.Web;

/// <summary>Hosting of the web site in a process that already has an Orleans silo or client (IGrainFactory).</summary>
public static class CallCenterWebExtensions
{
    /// <summary>
    /// Adds the site's services: Blazor Server, cookie login, one policy per permission, the live feed.
    /// Call only when the site is enabled; the options must have been validated (<see cref="WebOptions.Validate"/>).
    /// </summary>
    public static WebApplicationBuilder AddCallCenterWeb(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(WebOptions.Section).Get<WebOptions>() ?? new WebOptions();
        builder.Services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section);
        if (!IsEnabled(builder.Configuration))
        {
            // The host is a WebApplication either way; without the site it must not listen on HTTP at all.
            builder.Services.AddSingleton<IServer, NoHttpServer>();
            return builder;
        }
        builder.WebHost.UseUrls($"http://{FormatHost(options.Address)}:{options.Port}");
        // `dotnet run` serves the build output in the Production environment: without this, the
        // site's CSS and Blazor's own script (kept in the project and package folders until publish) are empty.
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthentication(CookieOrApiKey)
            // A request that carries an API key is an integration's; every other one is a person's (cookie).
            .AddPolicyScheme(CookieOrApiKey, CookieOrApiKey, scheme => scheme.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) ? ApiKeyAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(cookie =>
            {
                cookie.LoginPath = AccountEndpoints.LoginPath;
                cookie.AccessDeniedPath = AccountEndpoints.DeniedPath;
                cookie.Cookie.Name = "callcenter.auth";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
                cookie.SlidingExpiration = true;
                // An integration calling the API wants a status code, not the login page.
                cookie.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden);
            });
        builder.Services.AddAuthorization(authorization =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
            {
                authorization.AddPolicy(permission.ToString(), p => p.RequireAuthenticatedUser().RequireClaim(Permissions.ClaimType, permission.ToString()));
            }
            // Anything without its own policy (the Blazor hub included) still needs a signed-in person.
            authorization.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        });
        builder.Services.AddAntiforgery();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        // The document describes the integration API only (not the login form, the dashboard's own JSON endpoints or Blazor).
        builder.Services.AddOpenApi(OpenApiDocumentName, openApi =>
            openApi.ShouldInclude = endpoint => endpoint.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true);
        builder.Services.AddHttpContextAccessor();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new NetworkAllowList(options.AllowedNetworks));
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddScoped<ClientAddress>();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, ClientAddressCircuitHandler>();
        builder.Services.AddSingleton<LiveCenterFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveCenterFeed>());
        builder.Services.AddSingleton<AgentBoard>();
        builder.Services.AddSingleton<AnnouncementFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AnnouncementFeed>());
        builder.AddTicketScreens(options);
        builder.AddKnowledgeEditors();
        if (options.OrleansDashboard)
        {
            // The site is co-hosted with the silo: the dashboard's services join that silo (UseOrleans
            // returns the host's one silo builder), and its pages are mapped behind the admin policy.
            builder.UseOrleans(silo => silo.AddDashboard());
        }
        if (options.SeedDemoUsers || options.DemoDeskQueues.Count > 0)
        {
            builder.Services.AddHostedService<DemoUsers>();
        }
        return builder;
    }

    /// <summary>Maps the pages, the login endpoints and the read API, each behind its policy.</summary>
    public static WebApplication MapCallCenterWeb(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }
        app.Use(app.Services.GetRequiredService<NetworkAllowList>().Middleware);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapStatisticsApi();
        app.MapCustomerApi();
        app.MapIntegrationApi();
        // The document is generated from the mapped endpoints, so every /api endpoint is in it.
        app.MapOpenApi(OpenApiPattern);
        if (app.Configuration.GetSection(WebOptions.Section).Get<WebOptions>()?.OrleansDashboard == true)
        {
            app.MapOrleansDashboard(DashboardPrefix).RequireAuthorization(Permissions.OperateCluster);
        }
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    public const string StatisticsApiPath = "/api/statistics";
    private const string CookieOrApiKey = "CookieOrApiKey";
    public const string OpenApiDocumentName = "v1";
    public const string OpenApiPattern = "/openapi/{documentName}.json";
    public const string OpenApiPath = "/openapi/v1.json";
    public const string DashboardPrefix = "/orleans";
    /// <summary>The dashboard's start page (its prefix without the slash redirects here).</summary>
    public const string DashboardPath = DashboardPrefix + "/";

    /// <summary>Every API endpoint with its policy; the route-walk test reads this table.</summary>
    public static readonly IReadOnlyList<(string Path, string Policy)> ApiRoutes = [(StatisticsApiPath, Permissions.ViewWallboard), .. CustomerEndpoints.Routes];

    /// <summary>A small read API for integrations and the tests: the center's live figures.</summary>
    public static WebApplication MapStatisticsApi(this WebApplication app)
    {
        app.MapGet(StatisticsApiPath, (LiveCenterFeed feed) =>
                feed.Current is { } view ? Results.Ok(view.Statistics) : Results.Problem("The live figures are not available yet.", statusCode: StatusCodes.Status503ServiceUnavailable))
            .RequireAuthorization(Permissions.ViewWallboard);
        return app;
    }

    /// <summary>Whether <c>CallCenter:Web:Enabled</c> asks for the site (on when unset: a host that calls these methods wants a site).</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{WebOptions.Section}:{nameof(WebOptions.Enabled)}") ?? true;

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/openapi"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private sealed class NoHttpServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();
        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() { }
    }

    private static string FormatHost(string address) =>
        System.Net.IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
}
