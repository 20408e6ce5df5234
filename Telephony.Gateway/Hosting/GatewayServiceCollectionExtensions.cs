using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CallCenter.Telephony.Gateway.Hosting;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>Hosts the SIP media gateway in this process; it reaches the grains through the process's IGrainFactory.</summary>
    public static IServiceCollection AddSipGateway(this IServiceCollection services, GatewayOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<GatewayHost>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayHost>());
        return services;
    }
}
