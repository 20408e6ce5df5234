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
    private static readonly AsyncLocal<bool> InAdmissionLane = new();
    private readonly Lock _lock = new();
    // Two lanes: the work of calls already admitted goes first; the first steps of a new call
    // (admission lane) wait behind it, so an overload delays and then refuses new calls rather
    // than making every admitted call's answer wait behind them (a ring would time out meanwhile).
    private readonly Queue<TaskCompletionSource> _urgent = new();
    private readonly Queue<TaskCompletionSource> _admission = new();
    private readonly bool _unbounded;
    private int _free;
    private int _waiting;
    private long _passed;
    private int _peakWaiting;

    public StorageGate(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _free = capacity;
        _unbounded = capacity == int.MaxValue;
    }

    /// <summary>A gate that never waits, for memory storage.</summary>
    public static StorageGate Unbounded() => new(int.MaxValue);

    public int Capacity { get; }

    /// <summary>Operations waiting for a slot now (the backlog).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Operations holding a slot now.</summary>
    public int InFlight
    {
        get
        {
            if (_unbounded)
            {
                return 0;
            }
            lock (_lock)
            {
                return Capacity - _free;
            }
        }
    }

    /// <summary>Operations that went through the gate since start.</summary>
    public long Passed => Interlocked.Read(ref _passed);

    /// <summary>The longest backlog seen.</summary>
    public int PeakWaiting => Volatile.Read(ref _peakWaiting);

    /// <summary>
    /// Until disposed, storage operations started from this async flow wait in the admission lane,
    /// behind the operations of calls already admitted (a new call's first record look-up and write).
    /// </summary>
    public static AdmissionLaneScope AdmissionLane()
    {
        var previous = InAdmissionLane.Value;
        InAdmissionLane.Value = true;
        return new AdmissionLaneScope(previous);
    }

    public readonly struct AdmissionLaneScope(bool previous) : IDisposable
    {
        public void Dispose() => InAdmissionLane.Value = previous;
    }

    /// <summary>Runs <paramref name="operation"/> once a slot is free; the slot is held until it completes or fails.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (_unbounded)
        {
            Interlocked.Increment(ref _passed);
            return await operation();
        }
        Task? turn = null;
        lock (_lock)
        {
            if (_free > 0)
            {
                _free--;
            }
            else
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                (InAdmissionLane.Value ? _admission : _urgent).Enqueue(waiter);
                turn = waiter.Task;
                _waiting++;
                if (_waiting > _peakWaiting)
                {
                    _peakWaiting = _waiting;
                }
            }
        }
        if (turn is not null)
        {
            // The slot is handed over by the operation that releases it.
            await turn;
        }
        try
        {
            Interlocked.Increment(ref _passed);
            return await operation();
        }
        finally
        {
            Release();
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

    private void Release()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            if (_urgent.TryDequeue(out next) || _admission.TryDequeue(out next))
            {
                _waiting--;
            }
            else
            {
                _free++;
            }
        }
        next?.SetResult();
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
