using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>
/// A search over every ticket, open or closed (TKT-5). Null or blank fields mean "any"; texts match
/// case-insensitively anywhere in the field. <see cref="DepartmentId"/> finds the tickets that
/// department held or acted on; <see cref="Text"/> looks in the title and in every event's detail
/// (reasons, handling results, answers); the dates bound the registration instant, [from, to).
/// </summary>
[GenerateSerializer, Immutable, Alias("tickets.search-query")]
public sealed record TicketSearchQuery
{
    public const int MaxLimit = 1_000;

    [Id(0)] public string? TicketId { get; init; }
    [Id(1)] public string? Customer { get; init; }
    [Id(2)] public TicketCategory? Category { get; init; }
    [Id(3)] public string? DepartmentId { get; init; }
    [Id(4)] public TicketStatus? Status { get; init; }
    [Id(5)] public string? Text { get; init; }
    [Id(6)] public DateTimeOffset? CreatedFrom { get; init; }
    [Id(7)] public DateTimeOffset? CreatedTo { get; init; }
    /// <summary>The most hits returned, newest registration first.</summary>
    [Id(8)] public int Limit { get; init; } = 200;

    /// <summary>Why the query cannot run, or null when it can.</summary>
    public string? Problem() =>
        Limit is < 1 or > MaxLimit ? $"a search returns 1..{MaxLimit} tickets, not {Limit}"
        : CreatedFrom is { } from && CreatedTo is { } to && from >= to ? "the date range ends before it starts"
        : Category is { } category && !Enum.IsDefined(category) ? $"unknown category {(int)category}"
        : Status is { } status && !Enum.IsDefined(status) ? $"unknown state {(int)status}"
        : null;
}

/// <summary>One ticket a search found, with the department that holds it now (the center once closed).</summary>
[GenerateSerializer, Immutable, Alias("tickets.search-hit")]
public sealed record TicketSearchHit(
    [property: Id(0)] string TicketId,
    [property: Id(1)] string Title,
    [property: Id(2)] string Customer,
    [property: Id(3)] TicketCategory Category,
    [property: Id(4)] TicketStatus Status,
    [property: Id(5)] string Holder,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt);

/// <summary>
/// One department's completion of one ticket (TKT-6): it received the ticket, and its last reply
/// went up at <see cref="CompletedAt"/>. It is overdue when the ticket's deadline passed while the
/// department held it (the ticket escalated there); every approved extension it asked for counts
/// against it, so a completion is on time only with neither.
/// </summary>
[GenerateSerializer, Immutable, Alias("tickets.unit-completion")]
public sealed record UnitCompletion(
    [property: Id(0)] string TicketId,
    [property: Id(1)] string DepartmentId,
    [property: Id(2)] DateTimeOffset ReceivedAt,
    [property: Id(3)] DateTimeOffset CompletedAt,
    [property: Id(4)] int Extensions,
    [property: Id(5)] bool Overdue)
{
    public bool OnTime => !Overdue && Extensions == 0;
}

/// <summary>
/// A department's line of the on-time ranking for a period (TKT-6). Departments with the same
/// on-time rate, repeated extensions, overdue and completed counts share a rank ("1, 2, 2, 4").
/// </summary>
[GenerateSerializer, Immutable, Alias("tickets.unit-ranking-row")]
public sealed record UnitRankingRow(
    [property: Id(0)] int Rank,
    [property: Id(1)] string DepartmentId,
    [property: Id(2)] int Completed,
    [property: Id(3)] int OnTime,
    [property: Id(4)] int Overdue,
    [property: Id(5)] int Extensions,
    [property: Id(6)] int RepeatedExtensions,
    [property: Id(7)] TimeSpan AverageBusinessHandling)
{
    public double OnTimeRate => Completed == 0 ? 0 : (double)OnTime / Completed;
}

/// <summary>
/// What the in-memory ticket index keeps per ticket (the embedded default; on PostgreSQL the
/// ticket_events history answers the same questions).
/// </summary>
[GenerateSerializer, Immutable, Alias("tickets.index-entry")]
public sealed record TicketIndexEntry(
    [property: Id(0)] TicketSearchHit Hit,
    [property: Id(1)] ImmutableArray<string> Departments,
    [property: Id(2)] ImmutableArray<string> Details,
    [property: Id(3)] ImmutableArray<UnitCompletion> Completions);

/// <summary>
/// Searches and reports over every ticket ever registered (key "ticket-archive"): the PostgreSQL
/// history when the silo runs on PostgreSQL, the grains' own index in memory mode.
/// </summary>
[Alias("tickets.archive-grain")]
public interface ITicketArchiveGrain : IGrainWithStringKey
{
    /// <summary>Tickets matching <paramref name="query"/>, newest first; a bad query is refused with <see cref="ArgumentException"/>.</summary>
    [Alias("search")] Task<ImmutableArray<TicketSearchHit>> Search(TicketSearchQuery query);

    /// <summary>The departments ranked by on-time completion of the tickets they completed in [from, to).</summary>
    [Alias("ranking")] Task<ImmutableArray<UnitRankingRow>> Ranking(DateTimeOffset from, DateTimeOffset to);
}

/// <summary>One shard of the in-memory ticket index (key "ticket-index-&lt;n&gt;"); tickets keep their entry current.</summary>
[Alias("tickets.index-grain")]
public interface ITicketIndexGrain : IGrainWithStringKey
{
    [Alias("put")] Task Put(TicketIndexEntry entry);
    [Alias("entries")] Task<ImmutableArray<TicketIndexEntry>> Entries();
}

public static class TicketArchiveKeys
{
    public const string Archive = "ticket-archive";
    public const string IndexPrefix = "ticket-index-";

    public static ITicketArchiveGrain GetTicketArchive(this IGrainFactory grains) => grains.GetGrain<ITicketArchiveGrain>(Archive);
}
