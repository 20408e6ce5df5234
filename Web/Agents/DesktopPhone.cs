using CallCenter.Acd;
using CallCenter.Agents;

namespace CallCenter.Web.Agents;

/// <summary>
/// The agent desktop's "phone": the agent grain rings it with offers. Until the gateway bridges a
/// browser softphone, answering here connects the call in the grains only (simulated audio).
/// </summary>
public sealed class DesktopPhone : IAgentPhone
{
    public Offer? Ringing { get; private set; }
    /// <summary>The last offer this desktop answered: its wrap-up length drives the countdown.</summary>
    public Offer? Last { get; private set; }

    /// <summary>Raised on an Orleans thread; handlers must hop onto the renderer.</summary>
    public event Action? Changed;

    public Task Ring(Offer offer)
    {
        Ringing = offer;
        Last = offer;
        Changed?.Invoke();
        return Task.CompletedTask;
    }

    public Task OfferWithdrawn(string agentId, string callId)
    {
        if (Ringing?.CallId == callId)
        {
            Ringing = null;
        }
        Changed?.Invoke();
        return Task.CompletedTask;
    }

    public Task CallEnded(string agentId, string callId)
    {
        Changed?.Invoke();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The desktop has no audio of its own: an agent dials from the desk phone that registered with the gateway
    /// (its heartbeats make it the agent's phone again), never from the browser.
    /// </summary>
    public Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial) =>
        Task.FromResult<string?>("the desktop has no phone of its own; register a SIP phone for this agent to dial out");

    public void Answered() => Ringing = null;
}
