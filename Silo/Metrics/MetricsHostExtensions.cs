using CallCenter.Silo.Metrics;
using CallCenter.Stats;
using CallCenter.Telephony.Gateway.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CallCenter.Silo;

public static class MetricsHostExtensions
{
    private static int _adapterConfigured;

    /// <summary>
    /// Prometheus metrics for this silo: the center's live figures (sampled on one silo of the
    /// cluster), the queue counters and routing latency of the grains here, the gateway's SIP and
    /// media figures, Orleans' own meter and the .NET runtime, all through prometheus-net; served
    /// on CallCenter:Metrics:Port (--metrics-port, 0 = off) and by <see cref="MapCallCenterMetrics"/>.
    /// </summary>
    public static IHostApplicationBuilder AddCallCenterMetrics(this IHostApplicationBuilder builder)
    {
        ConfigureMeterAdapter();
        builder.Services.AddOptions<MetricsOptions>()
            .BindConfiguration(MetricsOptions.Section, o => o.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        builder.Services.AddSingleton(Prometheus.Metrics.DefaultRegistry);
        builder.Services.AddSingleton<CenterGauges>();
        builder.Services.AddSingleton<CenterMetricsSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CenterMetricsSampler>());
        // First among the hosted services: its start attaches the meter adapter, so what the silo and
        // the gateway count while they start (the demo phones' REGISTERs) is not lost.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, MetricsEndpoint>());
        return builder;
    }

    /// <summary>Serves the same metrics on a web host's own port (the web site co-hosted with the silo).</summary>
    public static IEndpointConventionBuilder MapCallCenterMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics") =>
        endpoints.MapMetrics(pattern, endpoints.ServiceProvider.GetService<CollectorRegistry>() ?? Prometheus.Metrics.DefaultRegistry);

    /// <summary>
    /// prometheus-net starts its .NET meter adapter with the default registry; it must be told our
    /// histogram buckets before the registry is first used. Its default buckets (milliseconds to
    /// seconds) would put every routing decision, a few microseconds, in the first bucket.
    /// </summary>
    private static void ConfigureMeterAdapter()
    {
        if (Interlocked.Exchange(ref _adapterConfigured, 1) == 1)
        {
            return;
        }
        Prometheus.Metrics.ConfigureMeterAdapter(o =>
        {
            var defaults = o.ResolveHistogramBuckets;
            o.ResolveHistogramBuckets = instrument => (instrument.Meter.Name, instrument.Name) switch
            {
                (CallCenterMeter.Name, "routing_decision_seconds") => CallCenterMeter.RoutingDecisionBuckets,
                (GatewayMeter.Name, "media_loop_lag_seconds") => GatewayMeter.LoopLagBuckets,
                _ => defaults(instrument),
            };
        });
    }

    private sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
    {
        public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
            options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
