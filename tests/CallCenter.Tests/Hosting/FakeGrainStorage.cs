using Orleans.Storage;

namespace CallCenter.Tests.Hosting;

/// <summary>
/// Grain storage for tests: fails the first <see cref="FailuresLeft"/> operations, or holds every
/// operation until the test releases it, and counts what it saw (most in flight at once included).
/// </summary>
internal sealed class FakeGrainStorage : IGrainStorage
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _held = new();
    private int _inFlight;

    public bool Hold { get; set; }
    public int FailuresLeft { get; set; }
    public bool RecordExists { get; set; } = true;
    public int Attempts { get; private set; }
    public int Completed { get; private set; }
    public int MaxInFlight { get; private set; }

    public int HeldCount
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Lets the oldest held operation finish; false when none is held.</summary>
    public bool ReleaseOne()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            _held.TryDequeue(out next);
        }
        next?.SetResult();
        return next is not null;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => RunAsync(() =>
    {
        grainState.RecordExists = RecordExists;
        grainState.ETag = RecordExists ? "1" : null;
    });

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => RunAsync(() =>
    {
        grainState.RecordExists = true;
        grainState.ETag = "2";
    });

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => RunAsync(() => grainState.RecordExists = false);

    private async Task RunAsync(Action effect)
    {
        TaskCompletionSource? gate = null;
        lock (_lock)
        {
            Attempts++;
            _inFlight++;
            MaxInFlight = Math.Max(MaxInFlight, _inFlight);
            if (Hold)
            {
                gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Enqueue(gate);
            }
        }
        try
        {
            if (gate is not null)
            {
                await gate.Task;
            }
            lock (_lock)
            {
                if (FailuresLeft > 0)
                {
                    FailuresLeft--;
                    throw new TimeoutException("The connection pool has been exhausted (fake)");
                }
                Completed++;
            }
            effect();
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }
}
