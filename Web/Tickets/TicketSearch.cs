using System.Collections.Immutable;
using CallCenter.Tickets;

namespace CallCenter.Web.Tickets;

/// <summary>A ticket as the search lists it: an inbox line and the department whose inbox holds it.</summary>
public sealed record TicketRow(InboxItem Item, string DepartmentId)
{
    public InboxEntry Entry => Item.Entry;
}

/// <summary>
/// The search page's filters (TKT-5); null or blank means "any". Dates are UTC days, both ends
/// included; the department finds tickets it held or acted on; the text looks in titles and in
/// what was written on the ticket (reasons, results, answers).
/// </summary>
public sealed record TicketQuery(
    TicketCategory? Category = null,
    TicketStatus? Status = null,
    string? DepartmentId = null,
    bool OverdueOnly = false,
    string? Text = null,
    string? TicketId = null,
    string? Customer = null,
    DateOnly? From = null,
    DateOnly? To = null)
{
    public TicketSearchQuery ToArchiveQuery() => new()
    {
        TicketId = TicketId,
        Customer = Customer,
        Category = Category,
        DepartmentId = DepartmentId,
        Status = Status,
        Text = Text,
        CreatedFrom = From is { } from ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
        CreatedTo = To is { } to ? new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
    };
}

/// <summary>Filters and orders ticket rows: the most urgent (least business time left) first, closed ones last.</summary>
public static class TicketSearch
{
    public static ImmutableArray<TicketRow> Filter(IEnumerable<TicketRow> rows, TicketQuery query)
    {
        var text = query.Text?.Trim();
        return
        [
            .. rows
                .Where(r => query.Category is null || r.Entry.Category == query.Category)
                .Where(r => query.Status is null || r.Entry.Status == query.Status)
                .Where(r => string.IsNullOrWhiteSpace(query.DepartmentId) || r.DepartmentId == query.DepartmentId)
                .Where(r => !query.OverdueOnly || r.Item.Overdue)
                .Where(r => string.IsNullOrEmpty(text)
                    || r.Entry.TicketId.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || r.Entry.Title.Contains(text, StringComparison.OrdinalIgnoreCase))
                // A ticket listed by two inboxes (its department's and a person's) shows once.
                .DistinctBy(r => r.Entry.TicketId)
                .OrderBy(r => r.Item.RemainingBusinessTime ?? TimeSpan.MaxValue)
                .ThenByDescending(r => r.Entry.UpdatedAt)
                .ThenBy(r => r.Entry.TicketId, StringComparer.Ordinal),
        ];
    }

    /// <summary>Business time left as the inbox shows it: "2 h 05 min left", "overdue by 40 min".</summary>
    public static string Remaining(InboxItem item)
    {
        if (item.RemainingBusinessTime is not { } left)
        {
            return "no deadline";
        }
        if (item.Overdue)
        {
            return left < TimeSpan.Zero ? $"overdue by {Duration(-left)}" : "overdue";
        }
        return $"{Duration(left)} left";
    }

    private static string Duration(TimeSpan span)
    {
        var minutes = (long)Math.Ceiling(span.TotalMinutes);
        return minutes >= 60 ? $"{minutes / 60} h {minutes % 60:00} min" : $"{minutes} min";
    }
}
