using CallCenter.Security;
using CallCenter.Web.Security;
using FsCheck;
using FsCheck.Xunit;

namespace CallCenter.Web.Tests.Security;

/// <summary>Integrations' API keys: a key is accepted exactly when it equals a configured, valid one; bad configuration is named.</summary>
public sealed class ApiKeyTests
{
    private static readonly Dictionary<string, ApiKeyOptions> Keys = new()
    {
        ["crm"] = new() { Key = "crm-key-0123456789abcdefghij", Role = "Supervisor" },
        ["wallboard"] = new() { Key = "wallboard-key-0123456789abcdef", Role = "Department" },
    };

    [Fact]
    public void A_configured_key_gives_its_name_and_role()
    {
        Assert.Equal(("crm", Role.Supervisor), ApiKeyAuthenticationHandler.Match(Keys, "crm-key-0123456789abcdefghij"));
        Assert.Equal(("wallboard", Role.Department), ApiKeyAuthenticationHandler.Match(Keys, "wallboard-key-0123456789abcdef"));
        Assert.Null(ApiKeyAuthenticationHandler.Match(Keys, "crm-key-0123456789abcdefghi"));
        Assert.Null(ApiKeyAuthenticationHandler.Match(Keys, ""));
    }

    [Property]
    public bool A_string_is_accepted_exactly_when_it_is_a_configured_key(NonNull<string> offered, bool useConfigured, byte which)
    {
        var candidate = useConfigured ? Keys.Values.ElementAt(which % Keys.Count).Key : offered.Get;
        return (ApiKeyAuthenticationHandler.Match(Keys, candidate) is not null) == Keys.Values.Any(k => k.Key == candidate);
    }

    [Fact]
    public void Short_keys_unknown_roles_and_shared_keys_are_configuration_errors()
    {
        var bad = new Dictionary<string, ApiKeyOptions>
        {
            ["short"] = new() { Key = "too-short", Role = "Admin" },
            ["role"] = new() { Key = "role-key-0123456789abcdefghij", Role = "Janitor" },
            ["number"] = new() { Key = "number-key-0123456789abcdefgh", Role = "4" },
            ["twin-a"] = new() { Key = "twin-key-0123456789abcdefghij", Role = "Admin" },
            ["twin-b"] = new() { Key = "twin-key-0123456789abcdefghij", Role = "Admin" },
        };
        var errors = ApiKeyAuthenticationHandler.Validate(bad).ToList();
        Assert.Contains(errors, e => e.Contains("ApiKeys:short:Key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ApiKeys:role:Role", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ApiKeys:number:Role", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("twin-a and twin-b", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
        Assert.Empty(ApiKeyAuthenticationHandler.Validate(Keys));
        // A key that does not validate is never accepted, even when offered exactly.
        Assert.Null(ApiKeyAuthenticationHandler.Match(bad, "too-short"));
        Assert.Null(ApiKeyAuthenticationHandler.Match(bad, "role-key-0123456789abcdefghij"));
    }
}
