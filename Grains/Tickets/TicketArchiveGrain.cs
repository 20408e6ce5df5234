using System.Collections.Immutable;
using Orleans.Concurrency;

namespace CallCenter.Tickets;

/// <summary>
/// Where searches over every ticket and the on-time ranking read from. The silo on PostgreSQL
/// registers one over the ticket_events history; the embedded default keeps an index in grains.
/// </summary>
public interface ITicketArchive
{
    /// <summary>Whether tickets must hand their entry to <see cref="IndexAsync"/> after every change (the history needs no help).</summary>
    bool IndexesTickets { get; }

    Task IndexAsync(TicketIndexEntry entry);

    /// <summary>Matching tickets, in <see cref="TicketIndexing.Ordered"/> order, at most <see cref="TicketSearchQuery.Limit"/>.</summary>
    Task<ImmutableArray<TicketSearchHit>> SearchAsync(TicketSearchQuery query);

    /// <summary>Completions of [from, to) by their completion instant.</summary>
    Task<ImmutableArray<UnitCompletion>> CompletionsAsync(DateTimeOffset from, DateTimeOffset to);
}

/// <summary>
/// The in-memory archive: ticket entries spread over <see cref="Shards"/> index grains by a stable
/// hash of the ticket id, so no single grain takes every ticket's change.
/// </summary>
public sealed class GrainTicketArchive(IGrainFactory grains) : ITicketArchive
{
    public const int Shards = 8;

    public bool IndexesTickets => true;

    public Task IndexAsync(TicketIndexEntry entry) => Shard(entry.Hit.TicketId).Put(entry);

    public async Task<ImmutableArray<TicketSearchHit>> SearchAsync(TicketSearchQuery query) =>
        [.. TicketIndexing.Ordered((await AllEntries()).Where(e => TicketIndexing.Matches(e, query)).Select(e => e.Hit)).Take(query.Limit)];

    public async Task<ImmutableArray<UnitCompletion>> CompletionsAsync(DateTimeOffset from, DateTimeOffset to) =>
        [.. (await AllEntries()).SelectMany(e => e.Completions).Where(c => c.CompletedAt >= from && c.CompletedAt < to)];

    private async Task<IEnumerable<TicketIndexEntry>> AllEntries() =>
        (await Task.WhenAll(Enumerable.Range(0, Shards).Select(i => grains.GetGrain<ITicketIndexGrain>(TicketArchiveKeys.IndexPrefix + i).Entries()))).SelectMany(e => e);

    private ITicketIndexGrain Shard(string ticketId) => grains.GetGrain<ITicketIndexGrain>(TicketArchiveKeys.IndexPrefix + ShardOf(ticketId));

    /// <summary>FNV-1a over the id's characters: string.GetHashCode differs between processes.</summary>
    public static int ShardOf(string ticketId)
    {
        var hash = 2166136261u;
        foreach (var c in ticketId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % Shards);
    }
}

/// <summary>
/// A silo on durable storage without a history archive registered (test harnesses): tickets are not
/// indexed, and searches say what is missing rather than answering wrongly.
/// </summary>
public sealed class MissingTicketArchive : ITicketArchive
{
    public bool IndexesTickets => false;

    public Task IndexAsync(TicketIndexEntry entry) => Task.CompletedTask;

    public Task<ImmutableArray<TicketSearchHit>> SearchAsync(TicketSearchQuery query) => throw Missing();

    public Task<ImmutableArray<UnitCompletion>> CompletionsAsync(DateTimeOffset from, DateTimeOffset to) => throw Missing();

    private static InvalidOperationException Missing() =>
        new("No ticket archive: a silo on PostgreSQL searches the ticket history (AddPostgresTicketArchive).");
}

public sealed class TicketIndexGrain(
    [PersistentState("ticket-index", TicketSiloExtensions.StorageName)] IPersistentState<TicketIndexState> state)
    : Grain, ITicketIndexGrain
{
    public async Task Put(TicketIndexEntry entry)
    {
        if (state.State.Entries.TryGetValue(entry.Hit.TicketId, out var existing) && existing == entry)
        {
            return;
        }
        state.State.Entries = state.State.Entries.SetItem(entry.Hit.TicketId, entry);
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<TicketIndexEntry>> Entries() => Task.FromResult(state.State.Entries.Values.ToImmutableArray());
}

/// <summary>Answers searches and the ranking anywhere in the cluster: stateless, it only asks the archive.</summary>
[StatelessWorker]
public sealed class TicketArchiveGrain(ITicketArchive archive, TicketServices services) : Grain, ITicketArchiveGrain
{
    public Task<ImmutableArray<TicketSearchHit>> Search(TicketSearchQuery query) =>
        query.Problem() is { } problem ? throw new ArgumentException($"Bad ticket search: {problem}.", nameof(query)) : archive.SearchAsync(query);

    public async Task<ImmutableArray<UnitRankingRow>> Ranking(DateTimeOffset from, DateTimeOffset to)
    {
        if (from >= to)
        {
            throw new ArgumentException($"The ranking period ends ({to:O}) before it starts ({from:O}).", nameof(to));
        }
        return UnitRanking.Rank(await archive.CompletionsAsync(from, to), from, to, services.Calendar.Between);
    }
}
