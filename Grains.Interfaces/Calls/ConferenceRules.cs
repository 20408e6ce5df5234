namespace CallCenter.Calls;

/// <summary>Whether an agent may add another agent to its call now (CTI-2 three-way conference). Pure, so properties can drive it.</summary>
public static class ConferenceRules
{
    /// <summary>A three-way call: the caller and two agents.</summary>
    public const int MaxAgents = 2;

    /// <summary>Only a conversation can take another agent (and keeps a ring for one going).</summary>
    public static bool CanRingFor(CallState state) => state is CallState.Connected or CallState.OnHold;

    /// <summary>Null when the agent may be added; otherwise why the request is illegal.</summary>
    public static string? Check(CallState state, IReadOnlyCollection<string> agentsOnCall, bool anotherRinging, string fromAgentId, string agentId)
    {
        if (string.IsNullOrWhiteSpace(agentId))
        {
            return "the agent to add has an empty id";
        }
        if (!CanRingFor(state))
        {
            return $"only a connected call can become a conference (the call is {state})";
        }
        if (!agentsOnCall.Contains(fromAgentId))
        {
            return $"agent '{fromAgentId}' is not on this call";
        }
        if (agentsOnCall.Contains(agentId))
        {
            return $"agent '{agentId}' is on this call already";
        }
        if (anotherRinging)
        {
            return "another agent is being rung for this call";
        }
        if (agentsOnCall.Count >= MaxAgents)
        {
            return $"a conference has at most {MaxAgents} agents";
        }
        return null;
    }
}
