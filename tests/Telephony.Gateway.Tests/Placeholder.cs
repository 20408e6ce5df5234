namespace CallCenter.Telephony.Gateway.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void Gateway_assembly_loads() => Assert.Equal("CallCenter.Telephony.Gateway", typeof(CallCenter.Telephony.Gateway.GatewayAssembly).Assembly.GetName().Name);
}
