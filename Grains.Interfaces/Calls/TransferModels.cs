namespace CallCenter.Calls;

/// <summary>Where an agent sends its connected call (CTI-2).</summary>
public enum TransferTargetKind
{
    /// <summary>Another agent's phone rings; the call waits on music until that agent answers.</summary>
    Agent,
    /// <summary>The call waits in a queue again, keeping its first arrival time and priority.</summary>
    Queue,
    /// <summary>The caller goes back to the IVR of the number it called, at a menu node (the gateway runs it); the menu goes on from there.</summary>
    Ivr,
}

/// <summary>The target of a blind transfer: an agent id, a queue id or an IVR menu node id.</summary>
[GenerateSerializer, Immutable, Alias("calls.transfer-target")]
public sealed record TransferTarget(
    [property: Id(0)] TransferTargetKind Kind,
    [property: Id(1)] string Id)
{
    public static TransferTarget ToAgent(string agentId) => new(TransferTargetKind.Agent, agentId);
    public static TransferTarget ToQueue(string queueId) => new(TransferTargetKind.Queue, queueId);
    public static TransferTarget ToIvr(string nodeId) => new(TransferTargetKind.Ivr, nodeId);
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Id}";
}

/// <summary>
/// How a transfer request was taken. Not accepted (the target agent is not ready, the queue does
/// not exist) leaves the call with the agent who asked, unchanged.
/// </summary>
[GenerateSerializer, Immutable, Alias("calls.transfer-result")]
public sealed record TransferResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Reason)
{
    public static TransferResult Done { get; } = new(true, null);
    public static TransferResult Refused(string reason) => new(false, reason);
}
