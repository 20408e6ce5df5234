using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.LoadTests.Scheduling;

namespace CallCenter.LoadTests.Simulation;

/// <summary>Maps the simulator's call ids ("{run}-{n}") and agent ids to indexes, from any thread.</summary>
public sealed class SimulationIds(string runTag, IReadOnlyDictionary<string, int> agents)
{
    private readonly string _prefix = runTag + "-";

    public string RunTag { get; } = runTag;

    public string CallId(int index) => _prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The call's index, or -1 for a call this run did not start.</summary>
    public int CallIndex(string callId)
    {
        if (!callId.StartsWith(_prefix, StringComparison.Ordinal)
            || !int.TryParse(callId.AsSpan(_prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            return -1;
        }
        return index;
    }

    public int AgentIndex(string? agentId) => agentId is not null && agents.TryGetValue(agentId, out var index) ? index : -1;
}

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

/// <summary>Told each call's record by its call grain; the record becomes a scheduler event.</summary>
public sealed class CallRecordObserver(ScenarioScheduler<SimAction> scheduler, SimulationIds ids) : ICallObserver
{
    private long _foreign;

    public long ForeignRecords => Interlocked.Read(ref _foreign);

    public Task CallEnded(CallDetailRecord record)
    {
        var call = ids.CallIndex(record.CallId);
        if (call < 0)
        {
            Interlocked.Increment(ref _foreign);
            return Task.CompletedTask;
        }
        scheduler.Post(new SimAction(SimActionKind.CdrObserved, call, -1, 0, record));
        return Task.CompletedTask;
    }
}
