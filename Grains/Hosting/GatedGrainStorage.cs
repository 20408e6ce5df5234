using Orleans.Storage;

namespace CallCenter.Hosting;

/// <summary>
/// Grain storage whose reads, writes and clears pass a <see cref="StorageGate"/> before they reach
/// the real provider. The provider's own silo life-cycle (its start-up initialisation) is kept.
/// </summary>
public sealed class GatedGrainStorage(IGrainStorage inner, StorageGate gate) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public IGrainStorage Inner => inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(StorageOperation.Read, () => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(StorageOperation.Write, () => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.RunAsync(StorageOperation.Clear, () => inner.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
