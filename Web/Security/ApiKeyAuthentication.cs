using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CallCenter.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Security;

/// <summary>One integration's key (section <c>CallCenter:Web:ApiKeys:{name}</c>): the secret and the role it acts with.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Sent in the <c>X-Api-Key</c> header; at least <see cref="MinimumLength"/> characters.</summary>
    public string Key { get; set; } = "";
    /// <summary>A role of the permission table (Agent, TeamLeader, Supervisor, Department, Admin).</summary>
    public string Role { get; set; } = "";

    public const int MinimumLength = 24;
}

/// <summary>
/// Integrations call the API with an <c>X-Api-Key</c> header instead of a cookie. The key's name
/// becomes the user ("api:crm") in the audit log; its role's permissions come from the directory's
/// permission table, like a person's.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<WebOptions> web,
    IGrainFactory grains)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }
        if (Match(web.Value.ApiKeys, values[0]!) is not { } match)
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }
        var (name, role) = match;
        var directory = await grains.GetGrain<ISecurityDirectoryGrain>(SecurityKeys.Directory).Get();
        var permissions = directory.RolePermissions.GetValueOrDefault(role) ?? SecurityDirectory.DefaultRolePermissions.GetValueOrDefault(role) ?? [];
        var claims = new List<Claim> { new(ClaimTypes.Name, $"api:{name}"), new(ClaimTypes.Role, role.ToString()) };
        claims.AddRange(permissions.Order().Select(p => new Claim(Permissions.ClaimType, p.ToString())));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    /// <summary>The name and role of the configured key equal to <paramref name="offered"/>, or null.</summary>
    public static (string Name, Role Role)? Match(IReadOnlyDictionary<string, ApiKeyOptions> keys, string offered)
    {
        var bytes = Encoding.UTF8.GetBytes(offered);
        (string, Role)? found = null;
        // Every key is compared, in constant time, so the answer's timing tells nothing about near misses.
        foreach (var (name, key) in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, Encoding.UTF8.GetBytes(key.Key))
                && key.Key.Length >= ApiKeyOptions.MinimumLength
                && RoleOf(key.Role) is { } role)
            {
                found = (name, role);
            }
        }
        return found;
    }

    /// <summary>The role a key names (by name only: Enum.TryParse would also take any number).</summary>
    private static Role? RoleOf(string? name) =>
        Enum.TryParse<Role>(name, ignoreCase: false, out var role) && Enum.IsDefined(role) && !name!.Any(char.IsAsciiDigit) ? role : null;

    /// <summary>The problems of the configured keys, each naming its configuration key.</summary>
    public static IEnumerable<string> Validate(IReadOnlyDictionary<string, ApiKeyOptions> keys)
    {
        foreach (var (name, key) in keys)
        {
            if ((key.Key ?? "").Length < ApiKeyOptions.MinimumLength)
                yield return $"{WebOptions.Section}:ApiKeys:{name}:Key must be at least {ApiKeyOptions.MinimumLength} characters";
            if (RoleOf(key.Role) is null)
                yield return $"{WebOptions.Section}:ApiKeys:{name}:Role '{key.Role}' is not one of {string.Join(", ", Enum.GetNames<Role>())}";
        }
        foreach (var duplicate in keys.GroupBy(k => k.Value.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
            yield return $"{WebOptions.Section}:ApiKeys: {string.Join(" and ", duplicate.Select(d => d.Key))} share one key";
    }
}
