using System.Collections.Immutable;
using CallCenter.Time;

namespace CallCenter.Tickets;

public sealed class InboxGrain(
    [PersistentState("ticket-inbox", TicketSiloExtensions.StorageName)] IPersistentState<InboxGrainState> state,
    TicketServices services,
    CallCenterClock clock) : Grain, IInboxGrain
{
    /// <summary>Notices shown on the screen.</summary>
    private const int KeptNotifications = 100;

    /// <summary>
    /// Ids remembered for duplicate delivery; re-deliveries come within moments of the first, so a
    /// bounded memory suffices. Kept small because the whole set is written with every notice: the
    /// supervisor's inbox gets every escalation of the center.
    /// </summary>
    private const int RememberedIds = 2_000;

    public async Task Upsert(InboxEntry entry)
    {
        state.State.Entries = state.State.Entries.SetItem(entry.TicketId, entry);
        await state.WriteStateAsync();
    }

    public async Task Remove(string ticketId)
    {
        if (state.State.Entries.ContainsKey(ticketId))
        {
            state.State.Entries = state.State.Entries.Remove(ticketId);
            await state.WriteStateAsync();
        }
    }

    public async Task<bool> Notify(InboxNotification notification)
    {
        if (state.State.DeliveredIds.Contains(notification.Id))
        {
            return false;
        }
        var ids = state.State.DeliveredIds;
        if (ids.Count >= RememberedIds)
        {
            ids = state.State.Notifications.Select(n => n.Id).ToImmutableHashSet();
        }
        state.State.DeliveredIds = ids.Add(notification.Id);
        var notifications = state.State.Notifications.Add(notification);
        state.State.Notifications = notifications.Count > KeptNotifications ? notifications.RemoveRange(0, notifications.Count - KeptNotifications) : notifications;
        await state.WriteStateAsync();
        return true;
    }

    public Task<InboxView> View()
    {
        var now = clock.Now;
        var items = state.State.Entries.Values
            .Select(e =>
            {
                var remaining = e.DueAt is { } due ? services.Calendar.Remaining(now, due) : (TimeSpan?)null;
                return new InboxItem(e, remaining, e.DueAt is { } d && now >= d);
            })
            .OrderBy(i => i.RemainingBusinessTime ?? TimeSpan.MaxValue)
            .ThenBy(i => i.Entry.TicketId, StringComparer.Ordinal)
            .ToImmutableArray();
        return Task.FromResult(new InboxView(
            this.GetPrimaryKeyString(),
            items,
            items.Length,
            items.Count(i => i.Overdue),
            items.Count(i => i.Entry.Warned),
            [.. state.State.Notifications.Reverse()]));
    }
}
