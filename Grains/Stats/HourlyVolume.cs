using System.Collections.Immutable;

namespace CallCenter.Stats;

/// <summary>
/// Today's calls per hour, built from the 15-minute interval counters the queues report: the
/// latest counters of each (queue, interval) are kept for today and summed by hour.
/// </summary>
public sealed class HourlyVolume
{
    private readonly Dictionary<(string Queue, DateTimeOffset Start), (string? Region, PeriodCounters Counters)> _intervals = [];

    public void Observe(QueueStatistics statistics)
    {
        var key = (statistics.QueueId, statistics.Interval.Start);
        if (statistics.Interval.Start == default)
        {
            return;
        }
        _intervals[key] = (statistics.Region, statistics.Interval);
    }

    /// <summary>Per scope: the whole center, each region, each queue (keys as in <see cref="CenterUpdate.Hourly"/>).</summary>
    public ImmutableDictionary<string, HourlyCalls> Today(DateTimeOffset now)
    {
        var (day, _) = PeriodCounter.PeriodStarts(now);
        foreach (var old in _intervals.Keys.Where(k => k.Start < day || k.Start >= day.AddDays(1)).ToList())
        {
            _intervals.Remove(old);
        }
        var scopes = new Dictionary<string, (int[] Offered, int[] Answered)>(StringComparer.Ordinal);
        foreach (var ((queue, start), (region, counters)) in _intervals)
        {
            var hour = (int)(start - day).TotalHours;
            foreach (var scope in ScopesOf(queue, region))
            {
                if (!scopes.TryGetValue(scope, out var sums))
                {
                    sums = scopes[scope] = (new int[24], new int[24]);
                }
                sums.Offered[hour] += counters.Offered;
                sums.Answered[hour] += counters.Answered;
            }
        }
        if (!scopes.ContainsKey(HourlyCalls.CenterKey))
        {
            scopes[HourlyCalls.CenterKey] = (new int[24], new int[24]);
        }
        return scopes.ToImmutableDictionary(s => s.Key, s => new HourlyCalls([.. s.Value.Offered], [.. s.Value.Answered]));
    }

    private static IEnumerable<string> ScopesOf(string queue, string? region)
    {
        yield return HourlyCalls.CenterKey;
        yield return HourlyCalls.QueueKey(queue);
        if (region is not null)
        {
            yield return HourlyCalls.RegionKey(region);
        }
    }
}
