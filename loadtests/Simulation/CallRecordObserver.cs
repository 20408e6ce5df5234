using CallCenter.Calls;
using CallCenter.LoadTests.Scheduling;

namespace CallCenter.LoadTests.Simulation;

/// <summary>Told each call's record by its call grain; the record becomes a scheduler event.</summary>
public sealed class CallRecordObserver(ScenarioScheduler<SimAction> scheduler, SimulationIds ids) : ICallObserver
{
    private long _foreign;

    public long ForeignRecords => Interlocked.Read(ref _foreign);

    public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

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
