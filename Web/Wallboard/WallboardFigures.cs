using System.Collections.Immutable;
using System.Globalization;
using CallCenter.Agents;
using CallCenter.Stats;

namespace CallCenter.Web.Wallboard;

/// <summary>How a figure stands against its threshold: the wallboard's colours.</summary>
public enum Alert
{
    Normal,
    Warning,
    Breach,
}

public sealed record Tile(string Key, string Label, string Value, Alert Alert);

/// <summary>One scope the wallboard can show: the whole center, a region or a queue.</summary>
public sealed record WallboardScope(
    string Key,
    string Title,
    int CallsWaiting,
    double OldestWaitSeconds,
    double ServiceLevelThresholdSeconds,
    ImmutableDictionary<AgentState, int> AgentsByState,
    PeriodCounters Today);

/// <summary>The wallboard's rules (WB-1), pure: which scope shows what, and when a figure is a warning or a breach.</summary>
public static class WallboardFigures
{
    /// <summary>Service level: at or above target is normal, within 5 points below is a warning, lower is a breach.</summary>
    public static Alert ServiceLevel(double level, double target) =>
        level >= target ? Alert.Normal : level >= target - 0.05 ? Alert.Warning : Alert.Breach;

    /// <summary>The oldest wait: up to half the threshold is normal, up to the threshold a warning, beyond it a breach.</summary>
    public static Alert OldestWait(double seconds, double thresholdSeconds) =>
        seconds <= thresholdSeconds / 2 ? Alert.Normal : seconds <= thresholdSeconds ? Alert.Warning : Alert.Breach;

    /// <summary>Abandonment: up to half the limit is normal, up to the limit a warning, beyond it a breach.</summary>
    public static Alert Abandonment(double rate, double limit) =>
        rate <= limit / 2 ? Alert.Normal : rate <= limit ? Alert.Warning : Alert.Breach;

    /// <summary>Calls waiting with nobody ready to take them is a breach; waiting calls are a warning only when they outnumber the ready agents.</summary>
    public static Alert Waiting(int waiting, int ready) =>
        waiting == 0 ? Alert.Normal : ready == 0 ? Alert.Breach : waiting > ready ? Alert.Warning : Alert.Normal;

    public static WallboardScope? Scope(CenterStatistics statistics, string key)
    {
        var queues = statistics.Queues.Values;
        double Threshold(IEnumerable<QueueStatistics> q) => q.Select(x => x.ServiceLevelThresholdSeconds).DefaultIfEmpty(20).Min();
        if (key == HourlyCalls.CenterKey)
        {
            return FromScope(key, "Whole center", statistics.Center, Threshold(queues));
        }
        if (key.StartsWith("region:", StringComparison.Ordinal) && statistics.Regions.TryGetValue(key["region:".Length..], out var region))
        {
            return FromScope(key, $"Region {region.Scope}", region, Threshold(queues.Where(q => q.Region == region.Scope)));
        }
        if (key.StartsWith("queue:", StringComparison.Ordinal) && statistics.Queues.TryGetValue(key["queue:".Length..], out var queue))
        {
            var agents = ImmutableDictionary<AgentState, int>.Empty
                .Add(AgentState.Ready, queue.AgentsReady)
                .Add(AgentState.OnCall, Math.Max(0, queue.AgentsLoggedIn - queue.AgentsReady));
            return new WallboardScope(key, $"Queue {queue.QueueId}", queue.CallsWaiting, queue.OldestWaitSeconds, queue.ServiceLevelThresholdSeconds, agents, queue.Today);
        }
        return null;
    }

    private static WallboardScope FromScope(string key, string title, ScopeStatistics scope, double threshold) =>
        new(key, title, scope.CallsWaiting, scope.OldestWaitSeconds, threshold, scope.AgentsByState, scope.Today);

    public static IReadOnlyList<Tile> Tiles(WallboardScope scope, double serviceLevelTarget, double abandonmentLimit)
    {
        int Agents(params AgentState[] states) => states.Sum(s => scope.AgentsByState.GetValueOrDefault(s));
        var ready = Agents(AgentState.Ready);
        var today = scope.Today;
        return
        [
            new("waiting", "Calls waiting", Count(scope.CallsWaiting), Waiting(scope.CallsWaiting, ready)),
            new("oldest", "Longest wait", Duration(scope.OldestWaitSeconds), OldestWait(scope.OldestWaitSeconds, scope.ServiceLevelThresholdSeconds)),
            new("sl", $"Service level ({serviceLevelTarget:P0} in {scope.ServiceLevelThresholdSeconds:0} s)", Percent(today.ServiceLevel), ServiceLevel(today.ServiceLevel, serviceLevelTarget)),
            new("abandoned", "Abandoned", Percent(today.AbandonmentRate), Abandonment(today.AbandonmentRate, abandonmentLimit)),
            new("ready", "Ready", Count(ready), Alert.Normal),
            new("oncall", "On call", Count(Agents(AgentState.OnCall, AgentState.OnHold, AgentState.Reserved)), Alert.Normal),
            new("wrapup", "Wrap-up", Count(Agents(AgentState.WrapUp)), Alert.Normal),
            new("notready", "Not ready", Count(Agents(AgentState.NotReady)), Alert.Normal),
            new("offered", "Offered today", Count(today.Offered), Alert.Normal),
            new("answered", "Answered today", Count(today.Answered), Alert.Normal),
            new("asa", "Avg. speed of answer", Duration(today.AverageSpeedOfAnswerSeconds), Alert.Normal),
            new("aht", "Avg. handle time", Duration(today.AverageHandleTimeSeconds), Alert.Normal),
        ];
    }

    public static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
    public static string Percent(double share) => (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    public static string Duration(double seconds)
    {
        var s = (int)Math.Round(Math.Max(0, seconds));
        return s < 60 ? $"{s} s" : s < 3600 ? $"{s / 60}:{s % 60:00}" : $"{s / 3600}:{s % 3600 / 60:00}:{s % 60:00}";
    }
}
