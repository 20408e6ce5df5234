using System.Collections.Concurrent;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;

namespace CallCenter.Tests.Fakes;

/// <summary>
/// An agent phone and call observer for cluster tests: it answers nothing by itself and keeps
/// what the grains told it (rings, withdrawn offers, ended calls, call records) for the test to read.
/// </summary>
public sealed class TestPhone : IAgentPhone, ICallObserver
{
    public ConcurrentQueue<Offer> Rings { get; } = new();
    public ConcurrentQueue<(string AgentId, string CallId)> Withdrawn { get; } = new();
    /// <summary>Calls the agents' phones were told ended (not the records: see <see cref="Records"/>).</summary>
    public ConcurrentQueue<(string AgentId, string CallId)> Ended { get; } = new();
    public ConcurrentDictionary<string, CallDetailRecord> Records { get; } = new();

    public IEnumerable<string> EndedCallIds => Ended.Select(e => e.CallId);

    /// <summary>Click-to-dial requests the agent grains handed this phone (CTI-4).</summary>
    public ConcurrentQueue<OutboundDial> Dials { get; } = new();
    /// <summary>When set, the phone refuses to dial with this reason (as a gateway with no trunk does).</summary>
    public string? DialRefusal { get; set; }

    public Task<string?> PlaceCall(OutboundDial dial)
    {
        if (DialRefusal is null)
        {
            Dials.Enqueue(dial);
        }
        return Task.FromResult(DialRefusal);
    }

    public Task Ring(Offer offer)
    {
        Rings.Enqueue(offer);
        return Task.CompletedTask;
    }

    public Task OfferWithdrawn(string agentId, string callId)
    {
        Withdrawn.Enqueue((agentId, callId));
        return Task.CompletedTask;
    }

    public Task CallEnded(string agentId, string callId)
    {
        Ended.Enqueue((agentId, callId));
        return Task.CompletedTask;
    }

    public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

    public Task CallEnded(CallDetailRecord record)
    {
        Records[record.CallId] = record;
        return Task.CompletedTask;
    }
}
