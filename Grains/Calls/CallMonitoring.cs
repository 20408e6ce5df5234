using System.Collections.Immutable;

namespace CallCenter.Calls;

/// <summary>
/// Supervisors monitoring one call (WB-2) and the rules for them. A supervisor's monitoring rings
/// (<see cref="MonitorStatus.Ringing"/>), is joined when the phone answers, may change mode at any
/// time, and ends when the supervisor hangs up or stops, or when the conversation ends. None of
/// this ever touches the caller-agent conversation: monitoring only adds or drops a listener.
/// </summary>
public sealed record CallMonitoring
{
    public static CallMonitoring None { get; } = new();

    public ImmutableSortedDictionary<string, CallMonitor> Monitors { get; private init; } =
        ImmutableSortedDictionary<string, CallMonitor>.Empty.WithComparers(StringComparer.Ordinal);

    public bool IsEmpty => Monitors.IsEmpty;

    /// <summary>Only a conversation can be monitored; a call that waits, rings or is in its survey has nothing to listen to.</summary>
    public static bool CanBeMonitored(CallState state) => state is CallState.Connected or CallState.OnHold;

    /// <summary>Null when the supervisor may monitor the call in that mode now; otherwise why the request is illegal.</summary>
    public static string? Check(CallState state, IEnumerable<string> agentsOnCall, string supervisorId, MonitorMode mode)
    {
        if (string.IsNullOrWhiteSpace(supervisorId))
        {
            return "the supervisor's id is empty";
        }
        if (!Enum.IsDefined(mode))
        {
            return $"unknown monitor mode {(int)mode}";
        }
        if (!CanBeMonitored(state))
        {
            return $"only a connected call can be monitored (the call is {state})";
        }
        if (agentsOnCall.Contains(supervisorId, StringComparer.Ordinal))
        {
            return $"'{supervisorId}' is an agent on this call";
        }
        return null;
    }

    /// <summary>Starts monitoring (the phone rings) or changes the mode of a supervisor already monitoring, keeping its status.</summary>
    public CallMonitoring Request(CallState state, IEnumerable<string> agentsOnCall, string supervisorId, MonitorMode mode)
    {
        if (Check(state, agentsOnCall, supervisorId, mode) is { } illegal)
        {
            throw new InvalidOperationException($"Cannot monitor: {illegal}.");
        }
        var status = Monitors.TryGetValue(supervisorId, out var existing) ? existing.Status : MonitorStatus.Ringing;
        return this with { Monitors = Monitors.SetItem(supervisorId, new CallMonitor(supervisorId, mode, status)) };
    }

    public bool IsRinging(string supervisorId) => Monitors.TryGetValue(supervisorId, out var m) && m.Status == MonitorStatus.Ringing;

    /// <summary>The supervisor's phone answered. Legal only while it rings.</summary>
    public CallMonitoring Join(string supervisorId)
    {
        if (!Monitors.TryGetValue(supervisorId, out var monitor))
        {
            throw new InvalidOperationException($"Supervisor '{supervisorId}' is not monitoring this call.");
        }
        if (monitor.Status != MonitorStatus.Ringing)
        {
            throw new InvalidOperationException($"Supervisor '{supervisorId}' is already on this call.");
        }
        return this with { Monitors = Monitors.SetItem(supervisorId, monitor with { Status = MonitorStatus.Joined }) };
    }

    /// <summary>The supervisor hung up, did not answer, or was stopped. Someone who is not monitoring leaves nothing.</summary>
    public CallMonitoring Leave(string supervisorId) =>
        Monitors.ContainsKey(supervisorId) ? this with { Monitors = Monitors.Remove(supervisorId) } : this;
}
