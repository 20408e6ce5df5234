using System.Collections.Immutable;
using CallCenter.Agents;
using CallCenter.Stats;
using Microsoft.Extensions.Logging;

namespace CallCenter.Web.Shared;

/// <summary>
/// Each agent's detail (current call, queues, reason) for the supervisor console. Presence
/// changes come from <see cref="LiveCenterFeed"/>; the detail of a changed agent is read from
/// its grain once per process, and only while some console is open.
/// </summary>
public sealed class AgentBoard : IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly LiveCenterFeed _feed;
    private readonly ILogger<AgentBoard> _logger;
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, AgentSnapshot> _snapshots = ImmutableDictionary.Create<string, AgentSnapshot>(StringComparer.Ordinal);
    private ImmutableDictionary<string, AgentPresenceReport> _seen = ImmutableDictionary.Create<string, AgentPresenceReport>(StringComparer.Ordinal);
    private int _viewers;
    private int _refreshing;
    private int _again;

    public AgentBoard(IGrainFactory grains, LiveCenterFeed feed, ILogger<AgentBoard> logger)
    {
        _grains = grains;
        _feed = feed;
        _logger = logger;
        _feed.Updated += OnFeedChanged;
    }

    public ImmutableDictionary<string, AgentSnapshot> Snapshots => _snapshots;

    /// <summary>Raised after agents' details were read; handlers must not block.</summary>
    public event Action? Changed;

    /// <summary>A console opened: keep details fresh until the returned handle is disposed.</summary>
    public IDisposable Watch()
    {
        if (Interlocked.Increment(ref _viewers) == 1)
        {
            lock (_gate)
            {
                _seen = _seen.Clear();
            }
        }
        Refresh();
        return new Viewer(this);
    }

    /// <summary>Reads one agent now (after a supervisor changed it) without waiting for its presence report.</summary>
    public async Task RefreshAgentAsync(string agentId)
    {
        var snapshot = await _grains.GetAgent(agentId).GetSnapshot();
        ImmutableInterlocked.AddOrUpdate(ref _snapshots, agentId, snapshot, (_, _) => snapshot);
        Changed?.Invoke();
    }

    private void OnFeedChanged(CenterView view) => Refresh();

    private void Refresh()
    {
        if (Volatile.Read(ref _viewers) == 0)
        {
            return;
        }
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            Interlocked.Exchange(ref _again, 1);
            return;
        }
        _ = Task.Run(RefreshLoopAsync);
    }

    private async Task RefreshLoopAsync()
    {
        try
        {
            do
            {
                Interlocked.Exchange(ref _again, 0);
                if (_feed.Current is not { } view)
                {
                    continue;
                }
                List<AgentPresenceReport> changed;
                lock (_gate)
                {
                    changed = view.Agents.Values.Where(a => !_seen.TryGetValue(a.AgentId, out var s) || s != a).ToList();
                }
                if (changed.Count == 0)
                {
                    continue;
                }
                var snapshots = await Task.WhenAll(changed.Select(async a =>
                {
                    try
                    {
                        return await _grains.GetAgent(a.AgentId).GetSnapshot();
                    }
                    catch (Exception ex)
                    {
                        _logger.LogDebug(ex, "Could not read agent {AgentId}", a.AgentId);
                        return null;
                    }
                }));
                lock (_gate)
                {
                    _seen = _seen.SetItems(changed.Select(a => KeyValuePair.Create(a.AgentId, a)));
                    _snapshots = _snapshots.SetItems(snapshots.OfType<AgentSnapshot>().Select(s => KeyValuePair.Create(s.AgentId, s)));
                }
                Changed?.Invoke();
            }
            while (Volatile.Read(ref _again) == 1);
        }
        finally
        {
            Interlocked.Exchange(ref _refreshing, 0);
        }
    }

    public void Dispose() => _feed.Updated -= OnFeedChanged;

    private sealed class Viewer(AgentBoard board) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref board._viewers);
            }
        }
    }
}
