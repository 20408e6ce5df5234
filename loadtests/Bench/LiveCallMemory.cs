using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Calls;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Bench;

/// <summary>Managed heap growth with <see cref="Calls"/> calls held live, per call.</summary>
public sealed record LiveCallFigures(int Calls, long HeapBefore, long HeapWithCalls, double BytesPerLiveCall);

/// <summary>
/// Memory per live call: N calls started into a queue nobody serves (no agents, no overflow, no
/// patience), so that each holds a call grain and a queue entry; the managed heap after a full
/// collection is compared with and without them, then every call is hung up. In process only:
/// the silo and this measurement share the heap.
/// </summary>
public static class LiveCallMemory
{
    public const string QueueId = "bench-hold";
    public const string Service = "bench-hold";

    public static async Task<LiveCallFigures> MeasureAsync(IGrainFactory grains, int calls, string runTag, CancellationToken cancellationToken)
    {
        var queue = new QueueSpec { Id = QueueId, Name = "Benchmark hold queue" };
        var scenario = new Scenario
        {
            DurationSeconds = 1,
            Queues = [queue],
            Routing = [RouteSpec.ForService(Service, null, QueueId)],
        };
        await grains.GetRoutingTable().Set(ScenarioPlan.ToRoutingTable(scenario));
        await grains.GetQueue(QueueId).Configure(ScenarioPlan.ToQueueSettings(queue));

        var before = Heap();
        var callGrains = new ICallGrain[calls];
        var started = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, _) =>
        {
            var id = $"{runTag}-hold-{i}";
            callGrains[i] = grains.GetCall(id);
            var result = await callGrains[i].Start(new CallArrival { CallId = id, CallerNumber = "07310000000", Service = Service, RequiredSkills = ImmutableDictionary<string, int>.Empty }, null);
            if (result.Accepted)
            {
                Interlocked.Increment(ref started);
            }
        });
        var with = Heap();
        await Parallel.ForEachAsync(callGrains, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (grain, _) => await grain.Hangup(CallParty.Caller));
        return new LiveCallFigures(started, before, with, started == 0 ? 0 : (with - before) / (double)started);
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
