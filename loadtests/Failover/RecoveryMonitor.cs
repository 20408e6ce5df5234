using System.Diagnostics;

namespace CallCenter.LoadTests.Failover;

/// <summary>
/// From the disruption on, samples every second how many agents agree with their phones (as the
/// phones' heartbeats and the follow-up checks last found them), on a steady clock. Recovery is
/// the moment the last agent came to agree, provided all agree at the end.
/// </summary>
public sealed class RecoveryMonitor(FailoverDriver driver, int limitSeconds)
{
    private readonly List<HealthSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private string? _from;
    private long _startedAt;
    private Task _loop = Task.CompletedTask;

    public bool Started => _from is not null;

    /// <summary>Starts the clock (call it just before the disruption); later calls are ignored.</summary>
    public void Begin(string from)
    {
        if (_from is not null)
        {
            return;
        }
        _from = from;
        driver.StartMonitor();
        _startedAt = Stopwatch.GetTimestamp();
        _loop = Task.Run(LoopAsync);
    }

    private double Elapsed => Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var counts = driver.SampleAgents();
                lock (_samples)
                {
                    _samples.Add(new HealthSample(Math.Round(Elapsed, 2), counts.Consistent, counts.Inconsistent, counts.Unreachable, counts.Unknown));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits until the last three samples find every agent agreeing, or <paramref name="limit"/> after the start.</summary>
    public async Task WaitForRecoveryAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        if (_from is null)
        {
            return;
        }
        while (Elapsed < limit.TotalSeconds)
        {
            lock (_samples)
            {
                if (_samples.Count >= 3 && _samples.TakeLast(3).All(AllConsistent))
                {
                    return;
                }
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    private static bool AllConsistent(HealthSample s) => s.Inconsistent == 0 && s.Unreachable == 0 && s.Unknown == 0;

    public RecoveryReport? Report()
    {
        if (_from is null)
        {
            return null;
        }
        List<HealthSample> samples;
        lock (_samples)
        {
            samples = [.. _samples];
        }
        var now = driver.SampleAgents();
        var recovered = now.AllConsistent;
        double? seconds = null;
        if (recovered)
        {
            var last = driver.SlowestRecoveries(1);
            seconds = last.Count == 0 ? 0 : last[0].RecoveredAfterSeconds;
        }
        var worst = samples.Count == 0 ? null : samples.MaxBy(s => s.Inconsistent + s.Unreachable);
        return new RecoveryReport
        {
            From = _from,
            LimitSeconds = limitSeconds,
            Recovered = recovered,
            Seconds = seconds,
            FirstAllConsistentSeconds = samples.FirstOrDefault(AllConsistent)?.Seconds,
            WorstInconsistentAgents = worst is null ? 0 : worst.Inconsistent + worst.Unreachable,
            WorstAtSeconds = worst?.Seconds ?? 0,
            Slowest = driver.SlowestRecoveries(10),
            Samples = samples,
        };
    }

    /// <summary>When the last of <paramref name="agentIds"/> came to agree with its phone; null if one still does not.</summary>
    public double? RecoverySecondsOf(IReadOnlyList<string> agentIds)
    {
        if (_from is null || agentIds.Count == 0)
        {
            return null;
        }
        var slowest = driver.SlowestRecoveries(1, agentIds.ToHashSet(StringComparer.Ordinal));
        return slowest.Count == 0 ? null : slowest[0].RecoveredAfterSeconds;
    }
}
