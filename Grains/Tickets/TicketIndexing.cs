using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>
/// What searches and reports read from a ticket's audit trail, without Orleans. The PostgreSQL views
/// of deploy/sql/0022-ticket-search-ranking.sql compute the same from the ticket_events rows, so
/// both archives answer alike (a Database test holds them to each other).
/// </summary>
public static class TicketIndexing
{
    /// <summary>Events that move a ticket to the department they name as target.</summary>
    public static bool Moves(TicketEventKind kind) => kind is TicketEventKind.Dispatched or TicketEventKind.Transferred
        or TicketEventKind.Returned or TicketEventKind.Replied or TicketEventKind.ReplyReturned;

    public static TicketIndexEntry Entry(Ticket ticket, IReadOnlyList<TicketEvent> events)
    {
        var ordered = events.OrderBy(e => e.Sequence).ToList();
        var hit = new TicketSearchHit(ticket.Id, ticket.Draft.Title, ticket.Draft.Customer, ticket.Draft.Category, ticket.Status,
            Holder(ordered, ticket.Draft.CenterId), ticket.CreatedAt, ordered.Count == 0 ? ticket.CreatedAt : ordered[^1].At);
        return new TicketIndexEntry(hit, Departments(ordered), [.. ordered.Where(e => e.Detail is not null).Select(e => e.Detail!)], Completions(ordered));
    }

    /// <summary>Where the last move left the ticket; creation, closing and reopening leave it at the center.</summary>
    public static string Holder(IEnumerable<TicketEvent> events, string centerId) =>
        events.OrderBy(e => e.Sequence).LastOrDefault(e => Moves(e.Kind) || e.Kind is TicketEventKind.Created or TicketEventKind.Closed or TicketEventKind.Reopened or TicketEventKind.Surveyed) is { } last
        && Moves(last.Kind) && last.Target is { } target ? target : centerId;

    /// <summary>Every department that acted on the ticket or received it.</summary>
    public static ImmutableArray<string> Departments(IEnumerable<TicketEvent> events) =>
    [
        .. events.SelectMany(e => Moves(e.Kind) && e.Target is { } target ? new[] { e.DepartmentId, target } : [e.DepartmentId])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>
    /// One completion per department that replied: received at its first arrival (dispatch or
    /// transfer), completed at its last reply, with the extensions approved for it and whether the
    /// ticket escalated while it held it.
    /// </summary>
    public static ImmutableArray<UnitCompletion> Completions(IEnumerable<TicketEvent> events)
    {
        var ordered = events.OrderBy(e => e.Sequence).ToList();
        if (ordered.Count == 0)
        {
            return [];
        }
        var createdAt = ordered[0].At;
        return
        [
            .. ordered.Where(e => e.Kind == TicketEventKind.Replied)
                .GroupBy(e => e.DepartmentId, StringComparer.Ordinal)
                .Select(replies =>
                {
                    var department = replies.Key;
                    var received = ordered.FirstOrDefault(e => e.Kind is TicketEventKind.Dispatched or TicketEventKind.Transferred && e.Target == department)?.At ?? createdAt;
                    return new UnitCompletion(
                        replies.First().TicketId,
                        department,
                        received,
                        replies.Max(e => e.At),
                        ordered.Count(e => e.Kind == TicketEventKind.ExtensionApproved && e.Target == department),
                        ordered.Any(e => e.Kind == TicketEventKind.Escalated && e.DepartmentId == department));
                })
                .OrderBy(c => c.DepartmentId, StringComparer.Ordinal),
        ];
    }

    /// <summary>Whether an index entry answers <paramref name="query"/> (the in-memory twin of the PostgreSQL search).</summary>
    public static bool Matches(TicketIndexEntry entry, TicketSearchQuery query)
    {
        var hit = entry.Hit;
        return Contains(hit.TicketId, query.TicketId)
            && Contains(hit.Customer, query.Customer)
            && (query.Category is null || hit.Category == query.Category)
            && (query.Status is null || hit.Status == query.Status)
            && (Blank(query.DepartmentId) || entry.Departments.Contains(query.DepartmentId!.Trim()))
            && (Blank(query.Text) || Contains(hit.Title, query.Text) || entry.Details.Any(d => Contains(d, query.Text)))
            && (query.CreatedFrom is not { } from || hit.CreatedAt >= from)
            && (query.CreatedTo is not { } to || hit.CreatedAt < to);
    }

    /// <summary>Newest registration first, then by id: the order both archives return hits in.</summary>
    public static IEnumerable<TicketSearchHit> Ordered(IEnumerable<TicketSearchHit> hits) =>
        hits.OrderByDescending(h => h.CreatedAt).ThenBy(h => h.TicketId, StringComparer.Ordinal);

    private static bool Contains(string field, string? wanted) => Blank(wanted) || field.Contains(wanted!.Trim(), StringComparison.OrdinalIgnoreCase);

    private static bool Blank(string? text) => string.IsNullOrWhiteSpace(text);
}

/// <summary>
/// Ranks departments by on-time completion (TKT-6) over a period: the share of their completions
/// that were on time (no escalation while they held the ticket, no approved extension), then fewer
/// repeated extensions, fewer overdue, more completed. Handling time is business time from arrival
/// to reply, by the center's calendar.
/// </summary>
public static class UnitRanking
{
    public static ImmutableArray<UnitRankingRow> Rank(IEnumerable<UnitCompletion> completions, DateTimeOffset from, DateTimeOffset to, Func<DateTimeOffset, DateTimeOffset, TimeSpan> businessTime)
    {
        if (from >= to)
        {
            throw new ArgumentException($"The period ends ({to:O}) before it starts ({from:O}).", nameof(to));
        }
        var rows = completions
            .Where(c => c.CompletedAt >= from && c.CompletedAt < to)
            .GroupBy(c => c.DepartmentId, StringComparer.Ordinal)
            .Select(g => new UnitRankingRow(
                0,
                g.Key,
                g.Count(),
                g.Count(c => c.OnTime),
                g.Count(c => c.Overdue),
                g.Sum(c => c.Extensions),
                g.Sum(c => Math.Max(0, c.Extensions - 1)),
                TimeSpan.FromTicks((long)g.Average(c => Math.Max(0, businessTime(c.ReceivedAt, c.CompletedAt).Ticks)))))
            .ToList();
        rows.Sort((a, b) => Compare(a, b) is var order and not 0 ? order : string.CompareOrdinal(a.DepartmentId, b.DepartmentId));
        var ranked = ImmutableArray.CreateBuilder<UnitRankingRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var rank = i > 0 && Compare(rows[i - 1], rows[i]) == 0 ? ranked[i - 1].Rank : i + 1;
            ranked.Add(rows[i] with { Rank = rank });
        }
        return ranked.MoveToImmutable();
    }

    /// <summary>Better first. Rates compare by cross-multiplication, so equal fractions tie exactly.</summary>
    public static int Compare(UnitRankingRow a, UnitRankingRow b)
    {
        var rate = ((long)b.OnTime * a.Completed).CompareTo((long)a.OnTime * b.Completed);
        return rate != 0 ? rate
            : a.RepeatedExtensions != b.RepeatedExtensions ? a.RepeatedExtensions.CompareTo(b.RepeatedExtensions)
            : a.Overdue != b.Overdue ? a.Overdue.CompareTo(b.Overdue)
            : b.Completed.CompareTo(a.Completed);
    }
}
