namespace CallCenter.Tickets;

/// <summary>What a deadline check found due: nothing, the warning, or the escalation.</summary>
public enum DeadlineAlert
{
    None,
    Warning,
    Escalation,
}

/// <summary>
/// Handling periods in business time (TKT-3): when a period starts, its warning and due instants
/// are fixed as absolute times, so a late or skipped timer tick only delays the check, never
/// moves the deadline.
/// </summary>
public sealed class TicketDeadlinePolicy(BusinessCalendar calendar, double warningShare, Func<TicketCategory, TicketPriority, int> handlingMinutes)
{
    public TicketDeadlinePolicy(BusinessCalendar calendar, TicketOptions options)
        : this(calendar, options.WarningShare, (category, priority) =>
        {
            var minutes = options.HandlingMinutes[category];
            return priority == TicketPriority.Urgent ? Math.Max(1, (int)Math.Ceiling(minutes * options.UrgentShare)) : minutes;
        })
    {
    }

    public BusinessCalendar Calendar => calendar;

    public double WarningShare => warningShare;

    /// <summary>The longest handling period a ticket may be given: a year of round-the-clock business time bounds the calendar walk.</summary>
    public const int MaxHandlingMinutes = 365 * 24 * 60;

    public int HandlingMinutes(TicketDraft draft) => draft.HandlingMinutes ?? handlingMinutes(draft.Category, draft.Priority);

    /// <summary>A new handling period of <paramref name="businessMinutes"/> starting at <paramref name="now"/>.</summary>
    public TicketDeadline Start(int generation, DateTimeOffset now, int businessMinutes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(businessMinutes);
        var period = TimeSpan.FromMinutes(businessMinutes);
        var warnAfter = TimeSpan.FromTicks((long)(period.Ticks * warningShare));
        return new TicketDeadline(generation, now, calendar.Add(now, warnAfter), calendar.Add(now, period), Warned: false, Escalated: false);
    }

    /// <summary>The alert due at <paramref name="now"/> that has not been raised yet. Escalation wins over a warning that came too late.</summary>
    public static DeadlineAlert DueAlert(Ticket ticket, DateTimeOffset now)
    {
        if (!ticket.IsOpen || ticket.Deadline is not { } deadline)
        {
            return DeadlineAlert.None;
        }
        if (!deadline.Escalated && now >= deadline.DueAt)
        {
            return DeadlineAlert.Escalation;
        }
        if (!deadline.Warned && !deadline.Escalated && now >= deadline.WarnAt)
        {
            return DeadlineAlert.Warning;
        }
        return DeadlineAlert.None;
    }

    /// <summary>The next instant a check can find something due, or null when no alert is pending.</summary>
    public static DateTimeOffset? NextAlertAt(Ticket ticket)
    {
        if (!ticket.IsOpen || ticket.Deadline is not { } deadline || deadline.Escalated)
        {
            return null;
        }
        return deadline.Warned ? deadline.DueAt : deadline.WarnAt;
    }
}
