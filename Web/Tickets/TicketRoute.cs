using System.Collections.Immutable;
using CallCenter.Tickets;

namespace CallCenter.Web.Tickets;

/// <summary>One stop of a ticket's way through the departments, and the action that brought it there.</summary>
public sealed record RouteStop(string DepartmentId, TicketEventKind Via, DateTimeOffset At);

/// <summary>
/// The picture of a ticket's path (TKT-2, TKT-6): the departments it visited, in order, read from
/// its audit trail. Tickets go down by dispatch, sideways by transfer, and up by return and reply;
/// a reopen brings them back to the center. The last stop is where the ticket is now.
/// </summary>
public static class TicketRoute
{
    public static ImmutableArray<RouteStop> From(Ticket ticket, IEnumerable<TicketEvent> events)
    {
        var stops = ImmutableArray.CreateBuilder<RouteStop>();
        foreach (var e in events.OrderBy(e => e.Sequence))
        {
            string? arrivedAt = e.Kind switch
            {
                TicketEventKind.Created => ticket.Draft.CenterId,
                TicketEventKind.Dispatched or TicketEventKind.Transferred or TicketEventKind.Returned
                    or TicketEventKind.Replied or TicketEventKind.ReplyReturned => e.Target,
                TicketEventKind.Reopened => ticket.Draft.CenterId,
                // An unsatisfied customer reopens the ticket at the center.
                TicketEventKind.Surveyed when e.StatusAfter == TicketStatus.Open => ticket.Draft.CenterId,
                _ => null,
            };
            if (arrivedAt is not null)
            {
                stops.Add(new RouteStop(arrivedAt, e.Kind, e.At));
            }
        }
        return stops.ToImmutable();
    }

    /// <summary>The last <paramref name="count"/> stops: a long-travelled ticket still fits the picture.</summary>
    public static ImmutableArray<RouteStop> Latest(ImmutableArray<RouteStop> stops, int count) =>
        stops.Length <= count ? stops : stops[^count..];
}
