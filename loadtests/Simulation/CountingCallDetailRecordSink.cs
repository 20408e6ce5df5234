using CallCenter.Calls;

namespace CallCenter.LoadTests.Simulation;

/// <summary>
/// The in-process silo's record sink: every record the call grains write is counted and handed
/// to the running simulation, so that "exactly one record per call" is checked at the source.
/// Registered before the silo starts, attached to a simulation once it exists.
/// </summary>
public sealed class CountingCallDetailRecordSink : ICallDetailRecordSink
{
    private Action<CallDetailRecord>? _target;
    private long _written;
    private long _unattached;

    public long Written => Interlocked.Read(ref _written);
    public long Unattached => Interlocked.Read(ref _unattached);

    public void Attach(Action<CallDetailRecord>? target) => Volatile.Write(ref _target, target);

    /// <summary>Where records go after they are counted (the PostgreSQL history writer with --storage postgres).</summary>
    public ICallDetailRecordSink? Inner { get; set; }

    public async ValueTask WriteAsync(CallDetailRecord record)
    {
        if (Inner is { } inner)
        {
            // Durable first, as the call grain expects of its sink.
            await inner.WriteAsync(record);
        }
        Interlocked.Increment(ref _written);
        if (Volatile.Read(ref _target) is { } target)
        {
            target(record);
        }
        else
        {
            Interlocked.Increment(ref _unattached);
        }
    }
}
