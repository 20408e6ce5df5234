using System.Collections.Concurrent;
using CallCenter.Stats;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallCenter.Stats;

/// <summary>
/// Collects agent presence changes on this silo and sends the latest per agent to the center's
/// statistics grain four times a second (a state change reaches the wallboard well within a second), so
/// presence costs no extra grain hop per change.
/// </summary>
public sealed class PresenceReporter(IGrainFactory grains, ILogger<PresenceReporter> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);
    private ConcurrentDictionary<string, AgentPresenceReport> _pending = new(StringComparer.Ordinal);
    private long _sequence;

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Report(AgentPresenceReport report) =>
        _pending.AddOrUpdate(report.AgentId, report, (_, old) => old.Sequence > report.Sequence ? old : report);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await FlushAsync().ConfigureAwait(false);
        }
    }

    public async Task FlushAsync()
    {
        if (_pending.IsEmpty)
        {
            return;
        }
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, AgentPresenceReport>(StringComparer.Ordinal));
        try
        {
            await grains.GetCenterStatistics().ReportAgents(batch.Values.ToArray()).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Put the batch back (newer reports win) and try again next time.
            foreach (var report in batch.Values)
            {
                Report(report);
            }
            logger.LogWarning(ex, "Could not send {Count} agent presence reports; will retry", batch.Count);
        }
    }
}
