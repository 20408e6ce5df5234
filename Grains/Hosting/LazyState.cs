using Orleans.Storage;

namespace CallCenter.Hosting;

/// <summary>
/// Grain state read when the grain chooses, not by the runtime at activation. A call grain must
/// activate (and route) while the database is away; it reads its stored state only to resume
/// after a crash, and a failed read means "nothing to resume".
/// </summary>
public sealed class LazyState<T>(IGrainStorage? storage, string name, GrainId grainId) : IPersistentState<T>
    where T : new()
{
    private readonly GrainState<T> _state = new(new T());

    public T State
    {
        get => _state.State!;
        set => _state.State = value;
    }

    public string? Etag => _state.ETag;

    public bool RecordExists => _state.RecordExists;

    public Task ReadStateAsync() => storage is null ? Task.CompletedTask : storage.ReadStateAsync(name, grainId, _state);

    public Task WriteStateAsync() => storage is null ? Task.CompletedTask : storage.WriteStateAsync(name, grainId, _state);

    public Task ClearStateAsync() => storage is null ? Task.CompletedTask : storage.ClearStateAsync(name, grainId, _state);
}
