using CallCenter.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;

namespace CallCenter.Web.Security;

/// <summary>Cookie login and logout. The form posts here; a failed login changes nothing and says so.</summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/login";
    public const string LoginFormPath = "/account/login";
    public const string LogoutPath = "/account/logout";
    public const string DeniedPath = "/denied";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(LoginFormPath, LoginAsync).AllowAnonymous();
        endpoints.MapPost(LogoutPath, LogoutAsync).RequireAuthorization();
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IGrainFactory grains, AuditTrail audit, [Microsoft.AspNetCore.Mvc.FromForm] LoginForm form)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var access = string.IsNullOrWhiteSpace(form.UserName) ? null
            : await grains.GetGrain<ISecurityDirectoryGrain>(SecurityKeys.Directory).Resolve(form.UserName.Trim());
        var verified = access is not null
            && new PasswordHasher<UserAccount>().VerifyHashedPassword(access.User, access.User.PasswordHash, form.Password ?? "") != PasswordVerificationResult.Failed;
        var address = context.Connection.RemoteIpAddress?.ToString();
        if (!verified)
        {
            await audit.RecordAsync(new(), address, "login-failed", form.UserName ?? "");
            return Results.Redirect($"{LoginPath}?failed=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        var principal = Permissions.PrincipalOf(access!, CookieAuthenticationDefaults.AuthenticationScheme);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        await audit.RecordAsync(principal, address, "login", access!.User.UserName);
        return Results.Redirect(returnUrl == "/" ? HomeOf(access) : returnUrl);
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, AuditTrail audit)
    {
        await audit.RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(), "logout", context.User.Identity?.Name ?? "");
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect(LoginPath);
    }

    /// <summary>Where a person lands after login: the screen of their main function.</summary>
    public static string HomeOf(UserAccess access) =>
        access.Permissions.Contains(Permission.ViewConsole) ? "/console"
        : access.Permissions.Contains(Permission.UseAgentDesktop) ? "/desktop"
        : access.Permissions.Contains(Permission.ViewWallboard) ? "/wallboard"
        : "/";

    /// <summary>Only local paths: a login link must not bounce a person to another site.</summary>
    public static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url : "/";

    public sealed class LoginForm
    {
        public string? UserName { get; set; }
        public string? Password { get; set; }
        public string? ReturnUrl { get; set; }
    }
}
