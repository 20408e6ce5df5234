namespace CallCenter.Calls;

/// <summary>Where an attended transfer's consultation is (CTI-2): nobody consulted, the consulted agent's phone rings, or the two agents talk.</summary>
public enum ConsultStage
{
    None,
    Ringing,
    Talking,
}

/// <summary>
/// The consultation of an attended transfer (RFC 5589 §7): the agent on the call rings another agent while the
/// caller waits on hold; the two talk; then the first hands the caller over (<see cref="Completed"/>) or either
/// ends the consultation and the caller stays with the first agent (<see cref="Ended"/>). The consulted agent is
/// not on the call's record until it takes the caller over. Pure, so properties can drive it; every illegal step
/// throws and changes nothing.
/// </summary>
public sealed record Consultation
{
    public static Consultation None { get; } = new();

    public ConsultStage Stage { get; private init; }

    /// <summary>The agent on the call who consults.</summary>
    public string? FromAgentId { get; private init; }

    /// <summary>The agent consulted.</summary>
    public string? AgentId { get; private init; }

    /// <summary>The offer that rings the consulted agent (its answer names it).</summary>
    public long OfferId { get; private init; }

    public bool IsActive => Stage != ConsultStage.None;

    public static bool IsLegal(ConsultStage from, ConsultStage to) => (from, to) switch
    {
        (ConsultStage.None, ConsultStage.Ringing) => true,
        (ConsultStage.Ringing, ConsultStage.Talking or ConsultStage.None) => true,
        (ConsultStage.Talking, ConsultStage.None) => true,
        _ => false,
    };

    /// <summary>The consulted agent's phone rings.</summary>
    public Consultation Ring(string fromAgentId, string agentId, long offerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fromAgentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        if (fromAgentId == agentId)
        {
            throw new ArgumentException("An agent cannot consult itself.", nameof(agentId));
        }
        Require(ConsultStage.Ringing, "a consultation is going on already");
        return new Consultation { Stage = ConsultStage.Ringing, FromAgentId = fromAgentId, AgentId = agentId, OfferId = offerId };
    }

    /// <summary>Whether <paramref name="agentId"/>'s answer to offer <paramref name="offerId"/> is this consultation's.</summary>
    public bool IsRinging(string agentId, long offerId) => Stage == ConsultStage.Ringing && AgentId == agentId && OfferId == offerId;

    /// <summary>The consulted agent answered: the two agents talk.</summary>
    public Consultation Answered(string agentId, long offerId)
    {
        if (Stage == ConsultStage.Ringing && !IsRinging(agentId, offerId))
        {
            throw new InvalidOperationException($"Agent '{agentId}' answered offer {offerId}, which is not this consultation's.");
        }
        Require(ConsultStage.Talking, "only a ringing consultation can be answered");
        return this with { Stage = ConsultStage.Talking };
    }

    /// <summary>The consultation is over without a transfer (either agent hung up, nobody answered, the call ended).</summary>
    public Consultation Ended()
    {
        Require(ConsultStage.None, "no consultation is going on");
        return None;
    }

    /// <summary>
    /// <paramref name="fromAgentId"/> hands the caller to the consulted agent (attended transfer): only the agent who
    /// consults can, and only once the two talk.
    /// </summary>
    public Consultation Completed(string fromAgentId)
    {
        if (Stage != ConsultStage.Talking)
        {
            throw new InvalidOperationException($"Only a consultation whose agents talk can complete a transfer (it is {Stage}).");
        }
        if (fromAgentId != FromAgentId)
        {
            throw new InvalidOperationException($"Agent '{fromAgentId}' did not start this consultation ('{FromAgentId}' did).");
        }
        return None;
    }

    private void Require(ConsultStage next, string why)
    {
        if (!IsLegal(Stage, next))
        {
            throw new InvalidOperationException($"A consultation cannot go from {Stage} to {next}: {why}.");
        }
    }
}

/// <summary>Whether an agent may start a consultation now (CTI-2 attended transfer). Pure, so properties can drive it.</summary>
public static class ConsultRules
{
    /// <summary>Null when the consultation may start; otherwise why the request is illegal.</summary>
    public static string? Check(CallState state, string? leadAgent, int conferenceAgents, bool anotherRinging, Consultation current, string fromAgentId, string agentId)
    {
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return "the agent to consult has an empty id";
        }
        if (state is not (CallState.Connected or CallState.OnHold))
        {
            return $"only a connected call can be consulted about (the call is {state})";
        }
        if (leadAgent != fromAgentId)
        {
            return $"agent '{fromAgentId}' is not the agent on this call";
        }
        if (agentId == fromAgentId)
        {
            return "an agent cannot consult itself";
        }
        if (conferenceAgents > 0)
        {
            return "the call is a conference (the other agents leave first)";
        }
        if (current.IsActive)
        {
            return $"a consultation with agent '{current.AgentId}' is going on";
        }
        if (anotherRinging)
        {
            return "another agent is being rung for this call";
        }
        return null;
    }
}
