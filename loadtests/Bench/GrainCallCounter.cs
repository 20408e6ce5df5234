namespace CallCenter.LoadTests.Bench;

/// <summary>
/// Counts grain calls as the silo receives them (an incoming grain-call filter): the same
/// yardstick for the ping benchmark and the call flow, so that their ratio says how many
/// messages' worth of work a call costs. Calls to the simulator's observers (client objects)
/// and one-way calls between grains are counted alike when they reach a grain.
/// </summary>
public sealed class GrainCallCounter : IIncomingGrainCallFilter
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        Interlocked.Increment(ref _count);
        return context.Invoke();
    }
}
