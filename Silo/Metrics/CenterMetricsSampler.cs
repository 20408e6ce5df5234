using CallCenter.Stats;
using Microsoft.Extensions.Options;

namespace CallCenter.Silo.Metrics;

/// <summary>
/// Reads the center's statistics grain every few seconds and publishes its figures as gauges, on
/// the one silo the <see cref="ExporterElection"/> picks; every other silo publishes none.
/// </summary>
public sealed class CenterMetricsSampler(
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    CenterGauges gauges,
    IOptions<MetricsOptions> options,
    ILogger<CenterMetricsSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SampleSeconds));
        do
        {
            await SampleAsync().ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public async Task SampleAsync()
    {
        if (!IsExporter())
        {
            gauges.Clear();
            return;
        }
        try
        {
            var statistics = await grains.GetCenterStatistics().Get().ConfigureAwait(false);
            gauges.Publish(CenterGaugeSamples.From(statistics));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Keep the last figures rather than gaps; Prometheus marks them stale if this goes on.
            logger.LogWarning(ex, "Could not sample the center's statistics for metrics");
        }
    }

    private bool IsExporter()
    {
        if (!options.Value.CenterGauges)
        {
            return false;
        }
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString());
        return ExporterElection.IsExporter(localSilo.SiloAddress.ToParsableString(), active);
    }
}
