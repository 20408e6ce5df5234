using CallCenter.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CallCenter.Tests.Silo;

public sealed class ConfigurationTests
{
    private static IReadOnlyList<string> Validate(params string[] args)
    {
        var builder = Host.CreateApplicationBuilder([]);
        builder.Configuration.AddCommandLine(args, SiloHostExtensions.SwitchMappings);
        return builder.AddCallCenterOptions();
    }

    [Fact]
    public void The_embedded_default_is_valid() => Assert.Empty(Validate());

    [Theory]
    [InlineData("--silo-port", "70000", "CallCenter:Silo:SiloPort")]
    [InlineData("--gateway-port", "0", "CallCenter:Silo:GatewayPort")]
    [InlineData("--storage", "oracle", "CallCenter:Silo:Storage")]
    [InlineData("--calls-per-minute", "-5", "CallCenter:Demo:CallsPerMinute")]
    [InlineData("--calls-per-minute", "many", "CallCenter:Demo:CallsPerMinute")]
    [InlineData("--summary-seconds", "-1", "CallCenter:Summary:IntervalSeconds")]
    [InlineData("--CallCenter:Demo:AgentsPerRegion", "-1", "CallCenter:Demo:AgentsPerRegion")]
    [InlineData("--CallCenter:Silo:Unknown", "1", "Unknown")]
    public void Bad_configuration_is_refused_with_the_key_named(string key, string value, string named)
    {
        var errors = Validate(key, value);
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Equal_silo_and_gateway_ports_are_refused() =>
        Assert.Contains(Validate("--silo-port", "30000", "--gateway-port", "30000"), e => e.Contains("must differ"));
}
