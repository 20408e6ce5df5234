using CallCenter.Acd;

namespace CallCenter.Web.Supervisor;

/// <summary>
/// The console's queue form (WB-2): strategy, service-level threshold, ring timeout, wrap-up and
/// the wait-exceeded overflow rule. <see cref="Apply"/> checks everything first, so a bad field
/// changes nothing.
/// </summary>
public sealed class QueueSettingsEdit
{
    public RoutingStrategy Strategy { get; set; }
    public double ServiceLevelThresholdSeconds { get; set; }
    public double RingTimeoutSeconds { get; set; }
    public double WrapUpSeconds { get; set; }
    /// <summary>Empty: no wait-exceeded overflow.</summary>
    public string? OverflowTarget { get; set; }
    public double OverflowAfterSeconds { get; set; }

    public static QueueSettingsEdit From(QueueSettings settings)
    {
        var overflow = settings.Overflow.FirstOrDefault(r => r.Condition == OverflowCondition.WaitExceeded);
        return new QueueSettingsEdit
        {
            Strategy = settings.Strategy,
            ServiceLevelThresholdSeconds = settings.ServiceLevelThreshold.TotalSeconds,
            RingTimeoutSeconds = settings.RingTimeout.TotalSeconds,
            WrapUpSeconds = settings.WrapUp.TotalSeconds,
            OverflowTarget = overflow?.TargetQueue,
            OverflowAfterSeconds = overflow?.After.TotalSeconds ?? 0,
        };
    }

    /// <summary>The settings with this form's values, or the problems (each naming its field) and no settings.</summary>
    public (QueueSettings? Settings, IReadOnlyList<string> Errors) Apply(QueueSettings current, IReadOnlySet<string> knownQueues)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Strategy))
            errors.Add("Strategy: unknown strategy.");
        if (!(ServiceLevelThresholdSeconds is >= 1 and <= 3600))
            errors.Add("Service-level threshold: between 1 and 3600 seconds.");
        if (!(RingTimeoutSeconds is >= 5 and <= 300))
            errors.Add("Ring timeout: between 5 and 300 seconds.");
        if (!(WrapUpSeconds is >= 0 and <= 3600))
            errors.Add("Wrap-up: between 0 and 3600 seconds.");
        var target = string.IsNullOrWhiteSpace(OverflowTarget) ? null : OverflowTarget.Trim();
        if (target is not null)
        {
            if (target == current.Id)
                errors.Add("Overflow: a queue cannot overflow to itself.");
            else if (!knownQueues.Contains(target))
                errors.Add($"Overflow: no queue '{target}'.");
            if (!(OverflowAfterSeconds is >= 0 and <= 3600))
                errors.Add("Overflow after: between 0 and 3600 seconds.");
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        // Other overflow rules (no agents logged in, all busy) stay as they were.
        var overflow = current.Overflow.Where(r => r.Condition != OverflowCondition.WaitExceeded).ToList();
        if (target is not null)
        {
            overflow.Insert(0, new OverflowRule(OverflowCondition.WaitExceeded, TimeSpan.FromSeconds(OverflowAfterSeconds), target));
        }
        return (current with
        {
            Strategy = Strategy,
            ServiceLevelThreshold = TimeSpan.FromSeconds(ServiceLevelThresholdSeconds),
            RingTimeout = TimeSpan.FromSeconds(RingTimeoutSeconds),
            WrapUp = TimeSpan.FromSeconds(WrapUpSeconds),
            Overflow = [.. overflow],
        }, []);
    }

    /// <summary>A one-line description of what changed, for the audit log.</summary>
    public static string Describe(QueueSettings before, QueueSettings after)
    {
        var changes = new List<string>();
        if (before.Strategy != after.Strategy) changes.Add($"strategy {before.Strategy} -> {after.Strategy}");
        if (before.ServiceLevelThreshold != after.ServiceLevelThreshold) changes.Add($"SL threshold {before.ServiceLevelThreshold.TotalSeconds:0} s -> {after.ServiceLevelThreshold.TotalSeconds:0} s");
        if (before.RingTimeout != after.RingTimeout) changes.Add($"ring timeout {before.RingTimeout.TotalSeconds:0} s -> {after.RingTimeout.TotalSeconds:0} s");
        if (before.WrapUp != after.WrapUp) changes.Add($"wrap-up {before.WrapUp.TotalSeconds:0} s -> {after.WrapUp.TotalSeconds:0} s");
        if (!before.Overflow.SequenceEqual(after.Overflow)) changes.Add($"overflow [{string.Join("; ", after.Overflow.Select(r => $"{r.Condition} {r.After.TotalSeconds:0} s -> {r.TargetQueue}"))}]");
        return changes.Count == 0 ? "no change" : string.Join(", ", changes);
    }
}
