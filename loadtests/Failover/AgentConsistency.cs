using CallCenter.Agents;

namespace CallCenter.LoadTests.Failover;

/// <summary>What an agent's phone is doing.</summary>
public enum PhoneState
{
    Idle,
    /// <summary>Rung for a call; answers after a short delay.</summary>
    Ringing,
    /// <summary>IAgentGrain.Answer is on its way.</summary>
    Answering,
    OnCall,
    /// <summary>IAgentGrain.Hangup is on its way.</summary>
    HangingUp,
}

public readonly record struct PhoneView(PhoneState State, string? CallId)
{
    public static PhoneView Idle { get; } = new(PhoneState.Idle, null);

    public override string ToString() => CallId is null ? State.ToString() : $"{State} {CallId}";
}

/// <summary>
/// Does an agent's state agree with its phone? Phone idle: the agent is not on a call; phone on
/// call C: the agent is on call C; a logged-in agent never comes back logged out. While the phone
/// is between two states (ringing, answering, hanging up) either side of the step agrees.
/// </summary>
public static class AgentConsistency
{
    /// <summary>Null when they agree, else why not.</summary>
    public static string? Disagreement(PhoneView phone, AgentState state, string? agentCallId)
    {
        if (state == AgentState.LoggedOut)
        {
            return "agent is logged out";
        }
        var agentOnCall = state is AgentState.OnCall or AgentState.OnHold;
        switch (phone.State)
        {
            case PhoneState.Idle when agentOnCall:
                return $"phone idle, agent {state} with {agentCallId ?? "no call"}";
            case PhoneState.OnCall when !agentOnCall:
                return $"phone on {phone.CallId}, agent {state}";
            case PhoneState.OnCall when agentCallId != phone.CallId:
                return $"phone on {phone.CallId}, agent {state} with {agentCallId ?? "no call"}";
            case PhoneState.Ringing or PhoneState.Answering or PhoneState.HangingUp when agentOnCall && agentCallId != phone.CallId:
                return $"phone {phone.State} {phone.CallId}, agent {state} with {agentCallId ?? "no call"}";
            default:
                return null;
        }
    }

    public static string? Disagreement(PhoneView phone, AgentSnapshot snapshot) =>
        Disagreement(phone, snapshot.State, snapshot.CallId);
}
