using System.Collections.Concurrent;
using CallCenter.Calls;

namespace CallCenter.Calls;

/// <summary>
/// Where call grains hand their one record per call. Called inside the grain, in-process, so it
/// must not block: durable writers buffer and write in batches.
/// </summary>
public interface ICallDetailRecordSink
{
    ValueTask WriteAsync(CallDetailRecord record);
}

/// <summary>The embedded default: keeps the most recent records in memory for the screens.</summary>
public sealed class InMemoryCallDetailRecordSink(int capacity = 10_000) : ICallDetailRecordSink
{
    private readonly ConcurrentQueue<CallDetailRecord> _recent = new();
    private long _written;

    public long Written => Interlocked.Read(ref _written);

    public IReadOnlyList<CallDetailRecord> Recent => _recent.ToArray();

    public ValueTask WriteAsync(CallDetailRecord record)
    {
        _recent.Enqueue(record);
        Interlocked.Increment(ref _written);
        while (_recent.Count > capacity && _recent.TryDequeue(out _))
        {
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Whether a call's record is already written: asked by a call resuming from stored state after
/// a crash, because the crash may have come after the record but before the stored state was
/// deleted. Null when it cannot be known (no history store, or the database is away).
/// </summary>
public interface ICallRecordLookup
{
    ValueTask<bool?> HasRecordAsync(string callId);
}

public sealed class NoCallRecordLookup : ICallRecordLookup
{
    public ValueTask<bool?> HasRecordAsync(string callId) => ValueTask.FromResult<bool?>(null);
}
