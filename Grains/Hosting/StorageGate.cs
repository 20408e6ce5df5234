namespace CallCenter.Hosting;

/// <summary>
/// Bounds the storage operations one silo has in flight. Beyond <see cref="Capacity"/> an
/// operation waits its turn here instead of asking the connection pool for one more connection:
/// an exhausted pool fails every waiter after its timeout (Npgsql's "Timeout"), and those failures
/// used to open the durability breaker and blind grains to their stored past. A queue in memory
/// only costs latency, and <see cref="Waiting"/> tells admission control that the database is
/// behind (<see cref="Calls.CallAdmission"/>).
/// </summary>
public sealed class StorageGate
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;
    private long _passed;
    private int _peakWaiting;

    public StorageGate(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>A gate that never waits, for memory storage.</summary>
    public static StorageGate Unbounded() => new(int.MaxValue);

    public int Capacity { get; }

    /// <summary>Operations waiting for a slot now (the backlog).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Operations holding a slot now.</summary>
    public int InFlight => Capacity == int.MaxValue ? 0 : Capacity - _slots.CurrentCount;

    /// <summary>Operations that went through the gate since start.</summary>
    public long Passed => Interlocked.Read(ref _passed);

    /// <summary>The longest backlog seen.</summary>
    public int PeakWaiting => Volatile.Read(ref _peakWaiting);

    /// <summary>Runs <paramref name="operation"/> once a slot is free; the slot is held until it completes or fails.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (Capacity == int.MaxValue)
        {
            Interlocked.Increment(ref _passed);
            return await operation();
        }
        if (!_slots.Wait(0))
        {
            var waiting = Interlocked.Increment(ref _waiting);
            RaisePeak(waiting);
            try
            {
                await _slots.WaitAsync();
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        try
        {
            Interlocked.Increment(ref _passed);
            return await operation();
        }
        finally
        {
            _slots.Release();
        }
    }

    public Task RunAsync(Func<Task> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return RunAsync(async () =>
        {
            await operation();
            return true;
        });
    }

    private long _reads, _writes, _clears, _lookups;

    /// <summary>Grain state reads, writes and clears, and call-record look-ups, that went through the gate (what a call costs the database).</summary>
    public StorageOperationCounts Operations => new(Interlocked.Read(ref _reads), Interlocked.Read(ref _writes), Interlocked.Read(ref _clears), Interlocked.Read(ref _lookups));

    internal void Count(StorageOperation operation)
    {
        switch (operation)
        {
            case StorageOperation.Read: Interlocked.Increment(ref _reads); break;
            case StorageOperation.Write: Interlocked.Increment(ref _writes); break;
            case StorageOperation.Clear: Interlocked.Increment(ref _clears); break;
            case StorageOperation.Lookup: Interlocked.Increment(ref _lookups); break;
        }
    }

    /// <summary>Runs a counted operation of <paramref name="kind"/> once a slot is free.</summary>
    public Task<T> RunAsync<T>(StorageOperation kind, Func<Task<T>> operation)
    {
        Count(kind);
        return RunAsync(operation);
    }

    public Task RunAsync(StorageOperation kind, Func<Task> operation)
    {
        Count(kind);
        return RunAsync(operation);
    }

    private void RaisePeak(int waiting)
    {
        var peak = Volatile.Read(ref _peakWaiting);
        while (waiting > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakWaiting, waiting, peak);
            if (seen == peak)
            {
                return;
            }
            peak = seen;
        }
    }
}

public enum StorageOperation
{
    Read,
    Write,
    Clear,
    Lookup,
}

public readonly record struct StorageOperationCounts(long Reads, long Writes, long Clears, long Lookups)
{
    public long Total => Reads + Writes + Clears + Lookups;

    public static StorageOperationCounts operator -(StorageOperationCounts a, StorageOperationCounts b) =>
        new(a.Reads - b.Reads, a.Writes - b.Writes, a.Clears - b.Clears, a.Lookups - b.Lookups);
}
