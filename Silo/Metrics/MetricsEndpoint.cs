using Microsoft.Extensions.Options;
using Prometheus;

namespace CallCenter.Silo.Metrics;

/// <summary>The silo's own /metrics listener (prometheus-net's Kestrel metric server), when a port is set.</summary>
public sealed class MetricsEndpoint(IOptions<MetricsOptions> options, CollectorRegistry registry, ILogger<MetricsEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private IMetricServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // prometheus-net attaches its .NET meter adapter at the registry's first collection; until
        // then counters and histograms are disabled and drop what they record. Collect once now so
        // the first scrape already has everything since start-up.
        await registry.CollectAndExportAsTextAsync(Stream.Null, cancellationToken);
        var o = options.Value;
        if (o.Port == 0)
        {
            return;
        }
        try
        {
            _server = new KestrelMetricServer(o.ListenAddress, o.Port, "/metrics", registry).Start();
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"The metrics endpoint cannot listen on {o.ListenAddress}:{o.Port} ({ex.Message}); set {MetricsOptions.Section}:Port (--metrics-port) to a free port, or 0 to turn it off.", ex);
        }
        logger.LogInformation("Prometheus metrics on http://{Address}:{Port}/metrics", o.ListenAddress, o.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            _server = null;
        }
    }
}
