using CallCenter.Hosting;

namespace CallCenter.Acd;

[GenerateSerializer, Alias("acd.routing-record")]
public sealed class RoutingTableRecord
{
    [Id(0)] public RoutingTable Table { get; set; } = RoutingTable.Empty;
}

/// <summary>The one routing table of the center; replacing it takes effect without a restart.</summary>
public sealed class RoutingTableGrain(
    [PersistentState("routing", CallCenterSiloExtensions.StorageName)] IPersistentState<RoutingTableRecord> record,
    RoutingTableCache cache) : Grain, IRoutingTableGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        cache.Update(new CompiledRoutingTable(record.State.Table));
        return Task.CompletedTask;
    }

    public Task<RoutingTable> Get() => Task.FromResult(record.State.Table);

    public Task<long> GetVersion() => Task.FromResult(record.State.Table.Version);

    public async Task<long> Set(RoutingTable table)
    {
        var compiled = new CompiledRoutingTable(table with { Version = record.State.Table.Version + 1 });
        record.State.Table = compiled.Table;
        await record.WriteStateAsync();
        cache.Update(compiled);
        return compiled.Version;
    }
}
