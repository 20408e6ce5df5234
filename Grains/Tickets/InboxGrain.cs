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

    private static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>Watching web processes and when their subscription lapses (real time: the center's clock may run faster in simulations).</summary>
    private readonly Dictionary<IInboxObserver, DateTimeOffset> _observers = [];

    public async Task Upsert(InboxEntry entry)
    {
        state.State.Entries = state.State.Entries.SetItem(entry.TicketId, entry);
        await state.WriteStateAsync();
        Publish(null);
    }

    public async Task Remove(string ticketId)
    {
        if (state.State.Entries.ContainsKey(ticketId))
        {
            state.State.Entries = state.State.Entries.Remove(ticketId);
            await state.WriteStateAsync();
            Publish(null);
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
        Publish(notification);
        return true;
    }

    public Task<InboxView> Subscribe(IInboxObserver observer)
    {
        _observers[observer] = TimeProvider.System.GetUtcNow() + SubscriptionLifetime;
        return View();
    }

    public Task Unsubscribe(IInboxObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    /// <summary>Tells the watchers after the change is stored; one-way, so a slow or gone web process never holds up a ticket.</summary>
    private void Publish(InboxNotification? notification)
    {
        if (_observers.Count == 0)
        {
            return;
        }
        var now = TimeProvider.System.GetUtcNow();
        foreach (var lapsed in _observers.Where(o => o.Value <= now).Select(o => o.Key).ToList())
        {
            _observers.Remove(lapsed);
        }
        var owner = this.GetPrimaryKeyString();
        foreach (var observer in _observers.Keys)
        {
            observer.InboxChanged(owner, notification).Ignore();
        }
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
