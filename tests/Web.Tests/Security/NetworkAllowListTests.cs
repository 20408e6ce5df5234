using System.Net;
using CallCenter.Web;
using CallCenter.Web.Security;
using Microsoft.AspNetCore.Http;

namespace CallCenter.Web.Tests.Security;

public sealed class NetworkAllowListTests
{
    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("::1", true)]
    [InlineData("2001:db8::1", false)]
    public void Only_listed_networks_get_through(string address, bool allowed) =>
        Assert.Equal(allowed, new NetworkAllowList(["10.0.0.0/8", "::1/128"]).Allows(IPAddress.Parse(address)));

    [Fact]
    public void An_empty_list_lets_everyone_through() =>
        Assert.True(new NetworkAllowList([]).Allows(IPAddress.Parse("203.0.113.9")));

    [Fact]
    public async Task A_request_from_outside_gets_403_and_never_reaches_the_site()
    {
        var reached = false;
        var middleware = new NetworkAllowList(["10.0.0.0/8"]).Middleware(_ => { reached = true; return Task.CompletedTask; });
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.7");
        await middleware(context);
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        Assert.False(reached);
    }

    [Fact]
    public void Bad_settings_are_named_by_key()
    {
        var errors = new WebOptions { AllowedNetworks = ["10.0.0.0/33", "nonsense"], Port = 70000, Address = "localhost", ServiceLevelTarget = 0 }.Validate();
        Assert.Contains(errors, e => e.Contains("AllowedNetworks '10.0.0.0/33'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("AllowedNetworks 'nonsense'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CallCenter:Web:Port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CallCenter:Web:Address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CallCenter:Web:ServiceLevelTarget", StringComparison.Ordinal));
        Assert.Empty(new WebOptions().Validate());
    }

    [Theory]
    [InlineData("/console", "/console")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData(null, "/")]
    public void A_return_address_stays_on_the_site(string? url, string expected) =>
        Assert.Equal(expected, AccountEndpoints.SafeReturnUrl(url));
}
