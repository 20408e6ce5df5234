using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.LoadTests.Scheduling;

namespace CallCenter.LoadTests.Simulation;

/// <summary>The one phone every virtual agent logs in with: rings become scheduler events, stamped on arrival.</summary>
public sealed class SimulatedPhone(ScenarioScheduler<SimAction> scheduler, SimulationIds ids) : IAgentPhone
{
    private long _foreign;

    public long ForeignRings => Interlocked.Read(ref _foreign);

    public Task Ring(Offer offer)
    {
        var stamp = Stopwatch.GetTimestamp();
        var call = ids.CallIndex(offer.CallId);
        var agent = ids.AgentIndex(offer.AgentId);
        if (call < 0 || agent < 0)
        {
            Interlocked.Increment(ref _foreign);
            return Task.CompletedTask;
        }
        scheduler.Post(new SimAction(SimActionKind.Rang, call, agent, stamp, offer));
        return Task.CompletedTask;
    }

    public Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial) => Task.FromResult<string?>("simulated phones do not dial out");

    public Task OfferWithdrawn(string agentId, string callId)
    {
        var call = ids.CallIndex(callId);
        if (call >= 0)
        {
            scheduler.Post(new SimAction(SimActionKind.OfferWithdrawn, call, ids.AgentIndex(agentId)));
        }
        return Task.CompletedTask;
    }

    public Task CallEnded(string agentId, string callId)
    {
        var call = ids.CallIndex(callId);
        if (call >= 0)
        {
            scheduler.Post(new SimAction(SimActionKind.PhoneCallEnded, call, ids.AgentIndex(agentId)));
        }
        return Task.CompletedTask;
    }
}
