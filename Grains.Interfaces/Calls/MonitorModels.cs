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
    /// <summary>
    /// An agent hands the caller on from the desktop (blind transfer to an agent or a queue, CTI-2), asked before the
    /// target rings: the caller leaves the conversation and hears music; the agent's phone leg stays up until
    /// <see cref="EndHandOver"/>. True when the host did it, or the agent's phone began the transfer itself (a REFER);
    /// false when the call cannot be handed on now (a conference, a consultation, another agent).
    /// </summary>
    [Alias("begin-hand-over")] Task<bool> BeginHandOver(string callId, string agentId);
    /// <summary>The hand-over is done (<paramref name="done"/>: the agent's phone leg is hung up) or refused (the caller talks with the agent again).</summary>
    [Alias("end-hand-over"), OneWay] Task EndHandOver(string callId, string agentId, bool done);
    /// <summary>Whether the caller's IVR menu has the node <paramref name="nodeId"/> (asked before a transfer to it is taken).</summary>
    [Alias("has-ivr-node")] Task<bool> HasIvrNode(string callId, string nodeId);
}
