using System.Collections.Immutable;
using CallCenter.Agents;
using CallCenter.Stats;

namespace CallCenter.Silo.Metrics;

/// <summary>One gauge family of the center's live figures: its Prometheus name, help text and label names.</summary>
public sealed record CenterGaugeFamily(string Name, string Help, ImmutableArray<string> LabelNames);

/// <summary>One value of a family, with its label values in the family's label order.</summary>
public sealed record CenterGaugeSample(CenterGaugeFamily Family, ImmutableArray<string> LabelValues, double Value);

/// <summary>
/// Turns the center's statistics into gauge samples. Labels are the configured queue and region
/// names, the agent state and the period (today or the current 15-minute interval), so the number
/// of series is bounded by configuration: at most <see cref="MaxSeries"/>.
/// Ratios and averages cannot be summed across queues, so regions and the whole center get
/// their own families, computed by the statistics grain from the summed counters.
/// </summary>
public static class CenterGaugeSamples
{
    public const string Today = "today";
    public const string Interval = "interval";

    private static readonly ImmutableArray<string> QueueLabels = ["queue", "region"];
    private static readonly ImmutableArray<string> QueuePeriodLabels = ["queue", "region", "period"];
    private static readonly ImmutableArray<string> RegionPeriodLabels = ["region", "period"];
    private static readonly ImmutableArray<string> PeriodLabels = ["period"];
    private static readonly ImmutableArray<string> AgentLabels = ["region", "state"];

    public static readonly CenterGaugeFamily CallsWaiting = new("callcenter_calls_waiting", "Calls waiting in the queue for an agent.", QueueLabels);
    public static readonly CenterGaugeFamily CallsRinging = new("callcenter_calls_ringing", "Queued calls ringing at an agent.", QueueLabels);
    public static readonly CenterGaugeFamily OldestWait = new("callcenter_oldest_wait_seconds", "How long the longest-waiting call in the queue has waited.", QueueLabels);
    public static readonly CenterGaugeFamily QueueAgentsReady = new("callcenter_queue_agents_ready", "Agents of the queue who are ready (an agent in several queues counts in each).", QueueLabels);
    public static readonly CenterGaugeFamily QueueAgentsLoggedIn = new("callcenter_queue_agents_logged_in", "Agents of the queue who are logged in (an agent in several queues counts in each).", QueueLabels);
    public static readonly CenterGaugeFamily ServiceLevelThreshold = new("callcenter_service_level_threshold_seconds", "The queue's service-level target: answered within this many seconds.", QueueLabels);
    public static readonly CenterGaugeFamily OfferedToday = new("callcenter_calls_offered_today", "Calls that entered the queue today (UTC day of the center's clock).", QueueLabels);
    public static readonly CenterGaugeFamily AnsweredToday = new("callcenter_calls_answered_today", "Calls of the queue answered today.", QueueLabels);
    public static readonly CenterGaugeFamily AbandonedToday = new("callcenter_calls_abandoned_today", "Callers who hung up in the queue today.", QueueLabels);

    public static readonly CenterGaugeFamily ServiceLevel = new("callcenter_service_level_ratio", "Answered within the threshold / (answered + abandoned after the threshold); 1 when nothing counts yet.", QueuePeriodLabels);
    public static readonly CenterGaugeFamily Asa = new("callcenter_asa_seconds", "Average speed of answer.", QueuePeriodLabels);
    public static readonly CenterGaugeFamily Aht = new("callcenter_aht_seconds", "Average handle time (talk, hold and wrap-up).", QueuePeriodLabels);
    public static readonly CenterGaugeFamily Abandonment = new("callcenter_abandonment_ratio", "Abandoned / (answered + abandoned).", QueuePeriodLabels);

    public static readonly CenterGaugeFamily RegionServiceLevel = new("callcenter_region_service_level_ratio", "Service level of the region's queues together.", RegionPeriodLabels);
    public static readonly CenterGaugeFamily RegionAsa = new("callcenter_region_asa_seconds", "Average speed of answer over the region's queues.", RegionPeriodLabels);
    public static readonly CenterGaugeFamily RegionAht = new("callcenter_region_aht_seconds", "Average handle time over the region's queues.", RegionPeriodLabels);
    public static readonly CenterGaugeFamily RegionAbandonment = new("callcenter_region_abandonment_ratio", "Abandonment rate over the region's queues.", RegionPeriodLabels);

    public static readonly CenterGaugeFamily CenterServiceLevel = new("callcenter_center_service_level_ratio", "Service level of the whole center.", PeriodLabels);
    public static readonly CenterGaugeFamily CenterAsa = new("callcenter_center_asa_seconds", "Average speed of answer over the whole center.", PeriodLabels);
    public static readonly CenterGaugeFamily CenterAht = new("callcenter_center_aht_seconds", "Average handle time over the whole center.", PeriodLabels);
    public static readonly CenterGaugeFamily CenterAbandonment = new("callcenter_center_abandonment_ratio", "Abandonment rate over the whole center.", PeriodLabels);

    public static readonly CenterGaugeFamily Agents = new("callcenter_agents", "Logged-in agents by state, counted once each in their home region (region none: no home region).", AgentLabels);

    public static readonly ImmutableArray<CenterGaugeFamily> Families =
    [
        CallsWaiting, CallsRinging, OldestWait, QueueAgentsReady, QueueAgentsLoggedIn, ServiceLevelThreshold,
        OfferedToday, AnsweredToday, AbandonedToday,
        ServiceLevel, Asa, Aht, Abandonment,
        RegionServiceLevel, RegionAsa, RegionAht, RegionAbandonment,
        CenterServiceLevel, CenterAsa, CenterAht, CenterAbandonment,
        Agents,
    ];

    /// <summary>The agent states exported (every state but logged out), each with its label value.</summary>
    public static readonly ImmutableArray<(AgentState State, string Label)> AgentStates =
    [
        (AgentState.Ready, "ready"),
        (AgentState.Reserved, "reserved"),
        (AgentState.OnCall, "on_call"),
        (AgentState.OnHold, "on_hold"),
        (AgentState.WrapUp, "wrap_up"),
        (AgentState.NotReady, "not_ready"),
    ];

    /// <summary>The most series <see cref="From"/> can produce for this many queues and regions.</summary>
    public static int MaxSeries(int queues, int regions) =>
        queues * (9 + 4 * 2) + regions * 4 * 2 + 4 * 2 + (regions + 1) * AgentStates.Length;

    public static IReadOnlyList<CenterGaugeSample> From(CenterStatistics statistics)
    {
        var samples = new List<CenterGaugeSample>();
        foreach (var q in statistics.Queues.Values.OrderBy(q => q.QueueId, StringComparer.Ordinal))
        {
            var region = RegionLabel(q.Region);
            void Queue(CenterGaugeFamily family, double value) => samples.Add(new(family, [q.QueueId, region], value));
            Queue(CallsWaiting, q.CallsWaiting);
            Queue(CallsRinging, q.CallsRinging);
            Queue(OldestWait, q.OldestWaitSeconds);
            Queue(QueueAgentsReady, q.AgentsReady);
            Queue(QueueAgentsLoggedIn, q.AgentsLoggedIn);
            Queue(ServiceLevelThreshold, q.ServiceLevelThresholdSeconds);
            Queue(OfferedToday, q.Today.Offered);
            Queue(AnsweredToday, q.Today.Answered);
            Queue(AbandonedToday, q.Today.Abandoned);
            Periods(samples, [ServiceLevel, Asa, Aht, Abandonment], [q.QueueId, region], q.Today, q.Interval);
        }
        foreach (var (name, scope) in statistics.Regions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            Periods(samples, [RegionServiceLevel, RegionAsa, RegionAht, RegionAbandonment], [RegionLabel(name)], scope.Today, scope.Interval);
        }
        Periods(samples, [CenterServiceLevel, CenterAsa, CenterAht, CenterAbandonment], [], statistics.Center.Today, statistics.Center.Interval);

        // Agents are counted once, by home region; those without one are what the center has beyond the regions.
        foreach (var (state, label) in AgentStates)
        {
            var inRegions = 0;
            foreach (var (name, scope) in statistics.Regions.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var count = scope.AgentsByState.GetValueOrDefault(state);
                inRegions += count;
                samples.Add(new(Agents, [RegionLabel(name), label], count));
            }
            samples.Add(new(Agents, [CallCenterMeter.NoRegion, label], Math.Max(0, statistics.Center.AgentsByState.GetValueOrDefault(state) - inRegions)));
        }
        return samples;
    }

    private static void Periods(List<CenterGaugeSample> samples, CenterGaugeFamily[] families, string[] labels, PeriodCounters today, PeriodCounters interval)
    {
        foreach (var (period, counters) in new[] { (Today, today), (Interval, interval) })
        {
            ImmutableArray<string> values = [.. labels, period];
            samples.Add(new(families[0], values, counters.ServiceLevel));
            samples.Add(new(families[1], values, counters.AverageSpeedOfAnswerSeconds));
            samples.Add(new(families[2], values, counters.AverageHandleTimeSeconds));
            samples.Add(new(families[3], values, counters.AbandonmentRate));
        }
    }

    private static string RegionLabel(string? region) => string.IsNullOrEmpty(region) ? CallCenterMeter.NoRegion : region;
}
