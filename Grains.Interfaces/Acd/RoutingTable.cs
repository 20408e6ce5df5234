using System.Collections.Immutable;

namespace CallCenter.Acd;

/// <summary>A caller number prefix (or account) that belongs to a home region.</summary>
[GenerateSerializer, Immutable, Alias("acd.region-prefix")]
public sealed record RegionPrefix(
    [property: Id(0)] string Prefix,
    [property: Id(1)] string Region);

/// <summary>
/// Calls to <see cref="Service"/> from callers of <see cref="Region"/> go to <see cref="Queue"/>;
/// a route with a null region is the service's default for every other caller.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.service-route")]
public sealed record ServiceRoute(
    [property: Id(0)] string Service,
    [property: Id(1)] string? Region,
    [property: Id(2)] string Queue);

/// <summary>The routing table (ACD-3), held as data and replaceable while the center runs.</summary>
[GenerateSerializer, Immutable, Alias("acd.routing-table")]
public sealed record RoutingTable(
    [property: Id(0)] ImmutableArray<RegionPrefix> Prefixes,
    [property: Id(1)] ImmutableArray<ServiceRoute> Routes,
    [property: Id(2)] ImmutableDictionary<string, string> Accounts,
    [property: Id(3)] long Version = 0)
{
    public static RoutingTable Empty { get; } = new([], [], ImmutableDictionary<string, string>.Empty);
}

[Alias("acd.routing-table-grain")]
public interface IRoutingTableGrain : IGrainWithStringKey
{
    [Alias("get")] Task<RoutingTable> Get();
    /// <summary>Replaces the table after validating it; returns the new version.</summary>
    [Alias("set")] Task<long> Set(RoutingTable table);
    [Alias("version")] Task<long> GetVersion();
}
