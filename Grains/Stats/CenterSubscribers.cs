using System.Collections.Immutable;

namespace CallCenter.Stats;

/// <summary>
/// Who listens to the center's figures and what changed since the last push. Pure bookkeeping
/// (no grain, no clock of its own) so that expiry and batching can be tested alone.
/// </summary>
public sealed class CenterSubscribers<TObserver>(TimeSpan lifetime) where TObserver : notnull
{
    private readonly Dictionary<TObserver, DateTimeOffset> _expiry = [];
    private readonly Dictionary<string, AgentPresenceReport> _changedAgents = new(StringComparer.Ordinal);
    private bool _figuresChanged;

    public int Count => _expiry.Count;
    public bool HasPending => _figuresChanged || _changedAgents.Count > 0;

    public void Subscribe(TObserver observer, DateTimeOffset now) => _expiry[observer] = now + lifetime;

    public bool Unsubscribe(TObserver observer) => _expiry.Remove(observer);

    public void FiguresChanged() => _figuresChanged = true;

    public void AgentChanged(AgentPresenceReport report)
    {
        _figuresChanged = true;
        _changedAgents[report.AgentId] = report;
    }

    /// <summary>
    /// Drops expired subscribers and, when something changed, returns the live subscribers and the
    /// agents changed since the previous call (then forgets them); otherwise null.
    /// </summary>
    public (IReadOnlyList<TObserver> Observers, ImmutableArray<AgentPresenceReport> Agents)? TakeBatch(DateTimeOffset now)
    {
        foreach (var expired in _expiry.Where(e => e.Value <= now).Select(e => e.Key).ToList())
        {
            _expiry.Remove(expired);
        }
        if (!HasPending)
        {
            return null;
        }
        var agents = _changedAgents.Values.OrderBy(a => a.AgentId, StringComparer.Ordinal).ToImmutableArray();
        _changedAgents.Clear();
        _figuresChanged = false;
        return _expiry.Count == 0 ? null : (_expiry.Keys.ToList(), agents);
    }
}
