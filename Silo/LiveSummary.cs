using System.Globalization;
using CallCenter.Agents;
using CallCenter.Silo.Configuration;
using Microsoft.Extensions.Options;

namespace CallCenter.Silo;

/// <summary>Prints one line per queue every few seconds: waiting, agents ready, service level, ASA.</summary>
public sealed class LiveSummary(IGrainFactory grains, IOptions<SummaryOptions> options, ILogger<LiveSummary> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.IntervalSeconds;
        if (interval <= 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(interval));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var stats = await grains.GetCenterStatistics().Get();
                foreach (var line in Format(stats))
                {
                    Console.WriteLine(line);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not read live statistics");
            }
        }
    }

    public static IEnumerable<string> Format(Stats.CenterStatistics stats)
    {
        var time = stats.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        foreach (var q in stats.Queues.Values.OrderBy(q => q.QueueId, StringComparer.Ordinal))
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{time} {q.QueueId,-16} waiting {q.CallsWaiting,3} (oldest {q.OldestWaitSeconds,4:0}s)  ready {q.AgentsReady,3}/{q.AgentsLoggedIn,-3}  SL {q.Today.ServiceLevel * 100,5:0.0}% in {q.ServiceLevelThresholdSeconds:0}s  ASA {q.Today.AverageSpeedOfAnswerSeconds,5:0.0}s  answered {q.Today.Answered,5}  abandoned {q.Today.Abandoned,4}");
        }
        var c = stats.Center;
        var states = string.Join(" ", Enum.GetValues<AgentState>().Where(s => s != AgentState.LoggedOut)
            .Select(s => $"{s}={c.AgentsByState.GetValueOrDefault(s)}"));
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{time} {"center",-16} waiting {c.CallsWaiting,3}  SL {c.Today.ServiceLevel * 100,5:0.0}%  ASA {c.Today.AverageSpeedOfAnswerSeconds:0.0}s  AHT {c.Today.AverageHandleTimeSeconds:0}s  abandon {c.Today.AbandonmentRate * 100:0.0}%  agents {states}");
    }
}
