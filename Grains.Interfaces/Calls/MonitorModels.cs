namespace CallCenter.Calls;

/// <summary>How a supervisor takes part in an agent's call (WB-2).</summary>
public enum MonitorMode
{
    /// <summary>Hears the caller and the agent; nobody hears the supervisor.</summary>
    Listen,
    /// <summary>Hears both; only the agent hears the supervisor (coaching).</summary>
    Whisper,
    /// <summary>Joins the conversation: everyone hears everyone.</summary>
    Barge,
}

/// <summary>Where a supervisor's monitoring is: its phone rings, or it is on the call.</summary>
public enum MonitorStatus
{
    Ringing,
    Joined,
}

/// <summary>One supervisor monitoring a call.</summary>
[GenerateSerializer, Immutable, Alias("calls.monitor")]
public sealed record CallMonitor(
    [property: Id(0)] string SupervisorId,
    [property: Id(1)] MonitorMode Mode,
    [property: Id(2)] MonitorStatus Status);

/// <summary>
/// The holder of the call's media (the gateway's caller session): it rings a supervisor's phone and
/// mixes it into the call with the mode's roles, or drops it. It reports back through
/// <see cref="ICallGrain.MonitorJoined"/> and <see cref="ICallGrain.MonitorLeft"/>.
/// </summary>
[Alias("calls.media-host")]
public interface ICallMediaHost : IGrainObserver
{
    /// <summary>Ring the supervisor's phone, or, when it is on the call already, change its mode.</summary>
    [Alias("monitor-requested"), OneWay] Task MonitorRequested(string callId, string supervisorId, MonitorMode mode);
    /// <summary>Hang up the supervisor's phone; the caller and the agent stay connected.</summary>
    [Alias("monitor-stopped"), OneWay] Task MonitorStopped(string callId, string supervisorId);
    /// <summary>
    /// The agent transferred the call to an IVR node (CTI-2): the media host releases the agent's leg and runs the
    /// caller's menu from <paramref name="nodeId"/>, then reports with <see cref="ICallGrain.QueueFromIvr"/> or
    /// <see cref="ICallGrain.EndFromIvr"/>.
    /// </summary>
    [Alias("transferred-to-ivr"), OneWay] Task TransferredToIvr(string callId, string nodeId);
    /// <summary>Whether the caller's IVR menu has the node <paramref name="nodeId"/> (asked before a transfer to it is taken).</summary>
    [Alias("has-ivr-node")] Task<bool> HasIvrNode(string callId, string nodeId);
}
