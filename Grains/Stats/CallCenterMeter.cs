using System.Diagnostics;
using System.Diagnostics.Metrics;
using CallCenter.History;

namespace CallCenter.Stats;

/// <summary>
/// The contact center's own .NET meter: what happens to calls in queues, counted where it happens
/// (each silo counts the queues it hosts; Prometheus sums the silos). Labels are the queue and its
/// region only: both come from configuration, so the number of series stays bounded; call and agent
/// ids never become labels. Live figures (waiting, service level, agents by state) are not here:
/// they are sampled from the center's statistics grain by one exporter (Silo/Metrics).
/// </summary>
public static class CallCenterMeter
{
    /// <summary>The meter's name; exporters prefix instrument names with it (callcenter_calls_offered_total).</summary>
    public const string Name = "callcenter";

    /// <summary>The label value for a queue without a region (an empty label is the same as none in Prometheus).</summary>
    public const string NoRegion = "none";

    public static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Offered = Meter.CreateCounter<long>("calls_offered_total", "{call}",
        "Calls that entered a queue (overflowed calls count again in the queue they reach).");
    private static readonly Counter<long> Answered = Meter.CreateCounter<long>("calls_answered_total", "{call}",
        "Queued calls answered by an agent.");
    private static readonly Counter<long> Abandoned = Meter.CreateCounter<long>("calls_abandoned_total", "{call}",
        "Callers who hung up while queued.");
    private static readonly Counter<long> Overflowed = Meter.CreateCounter<long>("calls_overflowed_total", "{call}",
        "Calls sent on from a queue to its overflow target.");
    private static readonly Counter<long> TimedOut = Meter.CreateCounter<long>("calls_timed_out_total", "{call}",
        "Calls ended by the queue (maximum wait or no agents) with no overflow target left.");
    private static readonly Counter<long> AgentOffers = Meter.CreateCounter<long>("agent_offers_total", "{offer}",
        "Calls offered to (rung at) an agent.");
    private static readonly Counter<long> AgentOffersFailed = Meter.CreateCounter<long>("agent_offers_failed_total", "{offer}",
        "Offers an agent did not take (ring-no-answer, rejected, phone gone).");

    /// <summary>Routing decision latency: the ACD core's time to place a call or pick one for an agent.</summary>
    public static readonly Histogram<double> RoutingDecision = Meter.CreateHistogram<double>("routing_decision_seconds", "s",
        "Time the ACD takes for one routing decision (a call entering, an agent becoming free).");

    /// <summary>Bucket bounds for <see cref="RoutingDecision"/>, from a microsecond to a tenth of a second.</summary>
    public static readonly double[] RoutingDecisionBuckets =
        [0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1];

    /// <summary>The counter a queue event adds to; null for events that are not counted (withdrawn: the call left for another reason).</summary>
    public static Counter<long>? CounterFor(QueueEventKind kind) => kind switch
    {
        QueueEventKind.Entered => Offered,
        QueueEventKind.Answered => Answered,
        QueueEventKind.Abandoned => Abandoned,
        QueueEventKind.Overflowed => Overflowed,
        QueueEventKind.TimedOut => TimedOut,
        QueueEventKind.Offered => AgentOffers,
        QueueEventKind.OfferFailed => AgentOffersFailed,
        QueueEventKind.Withdrawn => null,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown queue event kind"),
    };

    /// <summary>Counts one queue event. Cheap when nobody listens (the instrument is disabled).</summary>
    public static void QueueEvent(string queueId, string? region, QueueEventKind kind)
    {
        if (CounterFor(kind) is { Enabled: true } counter)
        {
            counter.Add(1, Labels(queueId, region));
        }
    }

    /// <summary>Records one routing decision that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static void RoutingDecisionTaken(string queueId, string? region, string decision, long startTimestamp)
    {
        if (RoutingDecision.Enabled)
        {
            var tags = Labels(queueId, region);
            tags.Add("decision", decision);
            RoutingDecision.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
        }
    }

    public static TagList Labels(string queueId, string? region) => new()
    {
        { "queue", queueId },
        { "region", string.IsNullOrEmpty(region) ? NoRegion : region },
    };
}
