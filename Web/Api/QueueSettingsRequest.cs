using CallCenter.Acd;
using CallCenter.Web.Supervisor;

namespace CallCenter.Web.Api;

/// <summary>
/// Applies a <see cref="QueueSettingsChange"/> to a queue's settings with the console's own rules
/// (<see cref="QueueSettingsEdit"/>), so the API and the console accept exactly the same settings.
/// </summary>
public static class QueueSettingsRequest
{
    /// <summary>The new settings, or the problems by field (and no settings): a bad field changes nothing.</summary>
    public static (QueueSettings? Settings, IDictionary<string, string[]> Errors) Apply(
        QueueSettings current, QueueSettingsChange change, IReadOnlySet<string> knownQueues)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var edit = QueueSettingsEdit.From(current);
        if (change.Strategy is { } strategy)
        {
            // Names only: a number would let any integer through Enum.TryParse.
            if (Enum.TryParse<RoutingStrategy>(strategy, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !strategy.Trim().All(char.IsAsciiDigit))
                edit.Strategy = parsed;
            else
                Add(errors, "strategy", $"Unknown strategy '{strategy}'; one of {string.Join(", ", Enum.GetNames<RoutingStrategy>())}.");
        }
        edit.ServiceLevelThresholdSeconds = change.ServiceLevelThresholdSeconds ?? edit.ServiceLevelThresholdSeconds;
        edit.RingTimeoutSeconds = change.RingTimeoutSeconds ?? edit.RingTimeoutSeconds;
        edit.WrapUpSeconds = change.WrapUpSeconds ?? edit.WrapUpSeconds;
        edit.OverflowTarget = change.OverflowTarget ?? edit.OverflowTarget;
        edit.OverflowAfterSeconds = change.OverflowAfterSeconds ?? edit.OverflowAfterSeconds;
        var (settings, problems) = edit.Apply(current, knownQueues);
        foreach (var problem in problems)
        {
            Add(errors, FieldOf(problem), problem);
        }
        return errors.Count > 0
            ? (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal))
            : (settings, new Dictionary<string, string[]>());
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
            errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>The console's messages start with the field's label; the API names the JSON field.</summary>
    private static string FieldOf(string problem) => problem switch
    {
        _ when problem.StartsWith("Strategy", StringComparison.Ordinal) => "strategy",
        _ when problem.StartsWith("Service-level", StringComparison.Ordinal) => "serviceLevelThresholdSeconds",
        _ when problem.StartsWith("Ring timeout", StringComparison.Ordinal) => "ringTimeoutSeconds",
        _ when problem.StartsWith("Wrap-up", StringComparison.Ordinal) => "wrapUpSeconds",
        _ when problem.StartsWith("Overflow after", StringComparison.Ordinal) => "overflowAfterSeconds",
        _ when problem.StartsWith("Overflow", StringComparison.Ordinal) => "overflowTarget",
        _ => "settings",
    };
}
