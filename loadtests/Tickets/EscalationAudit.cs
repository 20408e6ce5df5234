using System.Collections.Immutable;

namespace CallCenter.LoadTests.Tickets;

/// <summary>One benchmark ticket: its deadline, from the ticket's own state when it was created.</summary>
public sealed record BenchTicket(string TicketId, DateTimeOffset DueAt);

/// <summary>An escalation found in the durable record (grain state or ticket_events).</summary>
public sealed record FoundEscalation(string TicketId, DateTimeOffset At);

/// <summary>
/// What the durable record says about the escalations (invariant 5): every ticket whose deadline
/// passed before <c>asOf</c> escalated exactly once, none before its deadline and none that was
/// not due. Lateness is measured on the center's clock and converted to wall time by the speed.
/// </summary>
public sealed record EscalationAudit
{
    public int Tickets { get; init; }
    public int PastDeadline { get; init; }
    public int EscalatedOnce { get; init; }
    public ImmutableArray<string> Missing { get; init; } = [];
    public ImmutableArray<string> Duplicated { get; init; } = [];
    public ImmutableArray<string> Early { get; init; } = [];
    public ImmutableArray<string> NotDue { get; init; } = [];
    public ImmutableArray<string> Unknown { get; init; } = [];
    /// <summary>Center-clock lateness of each first escalation of a past-deadline ticket, ascending.</summary>
    public ImmutableArray<TimeSpan> Lateness { get; init; } = [];

    public bool ExactlyOnce => Missing.IsEmpty && Duplicated.IsEmpty && Early.IsEmpty && NotDue.IsEmpty && Unknown.IsEmpty && EscalatedOnce == PastDeadline;

    public static EscalationAudit Of(IReadOnlyCollection<BenchTicket> tickets, IEnumerable<FoundEscalation> escalations, DateTimeOffset asOf)
    {
        var byTicket = escalations.GroupBy(e => e.TicketId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.At).Order().ToList(), StringComparer.Ordinal);
        var known = tickets.Select(t => t.TicketId).ToHashSet(StringComparer.Ordinal);
        var missing = ImmutableArray.CreateBuilder<string>();
        var duplicated = ImmutableArray.CreateBuilder<string>();
        var early = ImmutableArray.CreateBuilder<string>();
        var notDue = ImmutableArray.CreateBuilder<string>();
        var lateness = new List<TimeSpan>();
        var past = 0;
        var once = 0;
        foreach (var ticket in tickets)
        {
            var found = byTicket.GetValueOrDefault(ticket.TicketId) ?? [];
            if (ticket.DueAt > asOf)
            {
                if (found.Count > 0)
                {
                    notDue.Add(ticket.TicketId);
                }
                continue;
            }
            past++;
            if (found.Count == 0)
            {
                missing.Add(ticket.TicketId);
                continue;
            }
            if (found.Count > 1)
            {
                duplicated.Add(ticket.TicketId);
            }
            else
            {
                once++;
            }
            if (found[0] < ticket.DueAt)
            {
                early.Add(ticket.TicketId);
            }
            lateness.Add(found[0] - ticket.DueAt);
        }
        lateness.Sort();
        return new EscalationAudit
        {
            Tickets = tickets.Count,
            PastDeadline = past,
            EscalatedOnce = once,
            Missing = missing.ToImmutable(),
            Duplicated = duplicated.ToImmutable(),
            Early = early.ToImmutable(),
            NotDue = notDue.ToImmutable(),
            Unknown = [.. byTicket.Keys.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal)],
            Lateness = [.. lateness],
        };
    }

    /// <summary>The nearest-rank percentile of the lateness (0 &lt; <paramref name="share"/> &lt;= 1); zero when nothing escalated.</summary>
    public TimeSpan Percentile(double share)
    {
        if (Lateness.IsEmpty)
        {
            return TimeSpan.Zero;
        }
        var rank = (int)Math.Ceiling(share * Lateness.Length);
        return Lateness[Math.Clamp(rank, 1, Lateness.Length) - 1];
    }
}
