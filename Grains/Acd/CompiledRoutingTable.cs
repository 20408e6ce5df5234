using System.Collections.Frozen;

namespace CallCenter.Acd;

[GenerateSerializer, Alias("acd.invalid-routing-table")]
public sealed class InvalidRoutingTableException(IReadOnlyList<string> errors)
    : ArgumentException("Invalid routing table: " + string.Join("; ", errors))
{
    [Id(0)] public string[] Errors { get; private set; } = [.. errors];
}

/// <summary>
/// The routing table made fast to query (ACD-3): the caller's home region by account, else by the
/// longest matching number prefix; the queue by (service, region), else the service's default
/// route, else the queue named like the service.
/// </summary>
public sealed class CompiledRoutingTable
{
    private readonly FrozenDictionary<string, string> _prefixes;
    private readonly int[] _prefixLengths;
    private readonly FrozenDictionary<string, string> _accounts;
    private readonly FrozenDictionary<(string Service, string Region), string> _regionalRoutes;
    private readonly FrozenDictionary<string, string> _defaultRoutes;

    public CompiledRoutingTable(RoutingTable table)
    {
        var errors = Validate(table);
        if (errors.Count > 0)
        {
            throw new InvalidRoutingTableException(errors);
        }
        Table = table;
        _prefixes = table.Prefixes.ToFrozenDictionary(p => p.Prefix, p => p.Region, StringComparer.Ordinal);
        _prefixLengths = table.Prefixes.Select(p => p.Prefix.Length).Distinct().OrderDescending().ToArray();
        _accounts = table.Accounts.ToFrozenDictionary(StringComparer.Ordinal);
        _regionalRoutes = table.Routes.Where(r => r.Region is not null).ToFrozenDictionary(r => (r.Service, r.Region!), r => r.Queue);
        _defaultRoutes = table.Routes.Where(r => r.Region is null).ToFrozenDictionary(r => r.Service, r => r.Queue, StringComparer.Ordinal);
    }

    public static CompiledRoutingTable Empty { get; } = new(RoutingTable.Empty);

    public RoutingTable Table { get; }
    public long Version => Table.Version;

    public string? RegionOf(string callerNumber, string? account)
    {
        if (account is not null && _accounts.TryGetValue(account, out var byAccount))
        {
            return byAccount;
        }
        foreach (var length in _prefixLengths)
        {
            if (callerNumber.Length >= length && _prefixes.TryGetValue(callerNumber[..length], out var region))
            {
                return region;
            }
        }
        return null;
    }

    public string QueueFor(string service, string? region) =>
        region is not null && _regionalRoutes.TryGetValue((service, region), out var regional) ? regional
        : _defaultRoutes.TryGetValue(service, out var fallback) ? fallback
        : service;

    public static IReadOnlyList<string> Validate(RoutingTable table)
    {
        var errors = new List<string>();
        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < table.Prefixes.Length; i++)
        {
            var p = table.Prefixes[i];
            if (string.IsNullOrWhiteSpace(p.Prefix) || !p.Prefix.All(c => char.IsAsciiDigit(c) || c == '+'))
                errors.Add($"prefixes[{i}].prefix: '{p.Prefix}' must be a non-empty number prefix (digits, optional +)");
            if (string.IsNullOrWhiteSpace(p.Region))
                errors.Add($"prefixes[{i}].region: must not be empty");
            if (p.Prefix is not null && prefixes.TryGetValue(p.Prefix, out var other) && other != p.Region)
                errors.Add($"prefixes[{i}].prefix: '{p.Prefix}' is mapped to both '{other}' and '{p.Region}'");
            else if (p.Prefix is not null)
                prefixes[p.Prefix] = p.Region;
        }
        var routes = new HashSet<(string, string?)>();
        for (var i = 0; i < table.Routes.Length; i++)
        {
            var r = table.Routes[i];
            if (string.IsNullOrWhiteSpace(r.Service)) errors.Add($"routes[{i}].service: must not be empty");
            if (string.IsNullOrWhiteSpace(r.Queue)) errors.Add($"routes[{i}].queue: must not be empty");
            if (r.Region is { } region && string.IsNullOrWhiteSpace(region)) errors.Add($"routes[{i}].region: must not be blank");
            if (!routes.Add((r.Service, r.Region)))
                errors.Add($"routes[{i}]: service '{r.Service}' for region '{r.Region ?? "(default)"}' is routed twice");
        }
        foreach (var (account, region) in table.Accounts)
        {
            if (string.IsNullOrWhiteSpace(account) || string.IsNullOrWhiteSpace(region))
                errors.Add($"accounts['{account}']: account and region must not be empty");
        }
        return errors;
    }
}

/// <summary>
/// Each silo's copy of the routing table, so routing a call costs no grain hop. The table grain
/// updates the copy on its own silo at once; other silos check the version about once a second.
/// </summary>
public sealed class RoutingTableCache(IGrainFactory grains)
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    private volatile CompiledRoutingTable? _table;
    private long _checkedAt;

    public void Update(CompiledRoutingTable table)
    {
        if (_table is null || table.Version >= _table.Version)
        {
            _table = table;
        }
        Volatile.Write(ref _checkedAt, Environment.TickCount64);
    }

    public async ValueTask<CompiledRoutingTable> GetAsync()
    {
        var table = _table;
        if (table is null)
        {
            await Refresh();
            return _table ?? CompiledRoutingTable.Empty;
        }
        if (Environment.TickCount64 - Volatile.Read(ref _checkedAt) > RefreshInterval.TotalMilliseconds)
        {
            Volatile.Write(ref _checkedAt, Environment.TickCount64);
            Refresh().Ignore();
        }
        return table;
    }

    private async Task Refresh()
    {
        var grain = grains.GetRoutingTable();
        var version = await grain.GetVersion();
        if (_table is null || version != _table.Version)
        {
            Update(new CompiledRoutingTable(await grain.Get()));
        }
    }
}
