using System.Collections.Immutable;
using CallCenter.Time;
using Microsoft.Extensions.Logging;

namespace CallCenter.Tickets;

/// <summary>
/// A ticket (key "ticket-&lt;id&gt;"): loads its state, lets <see cref="TicketWorkflow"/> decide,
/// persists, then tells the inboxes. Deadlines are absolute instants in the state. A reminder whose
/// first tick is the next alert instant (then every <see cref="TicketOptions.ReminderPeriod"/>)
/// brings the grain back when it was collected or the cluster restarted, without ticking while
/// nothing is due; a grain timer fires at the exact instant while it is active. Either one — or
/// activation itself — runs the same idempotent check, so a late or skipped tick only delays an
/// alert and an alert is raised once per handling period (invariant 5).
/// </summary>
public sealed class TicketGrain(
    [PersistentState("ticket", TicketSiloExtensions.StorageName)] IPersistentState<TicketGrainState> state,
    TicketServices services,
    ITicketHistorySink history,
    ITicketArchive archive,
    CallCenterClock clock,
    ILogger<TicketGrain> logger) : Grain, ITicketGrain, IRemindable
{
    private const string DeadlineReminder = "ticket-deadline";

    private IGrainTimer? _alertTimer;
    /// <summary>The alert instant this grain's reminder is set for; null until known (a reminder may outlive a restart).</summary>
    private DateTimeOffset? _reminderFor;
    /// <summary>Whether the reminder is known to be absent.</summary>
    private bool _reminderAbsent;

    private string TicketId => this.GetPrimaryKeyString()[TicketGrainKeys.TicketPrefix.Length..];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Ticket is not null)
        {
            await DeliverPendingNotices();
            // Whatever fell due while the grain was away is raised now, not at the next reminder tick.
            await CheckDeadline();
        }
    }

    public async Task<Ticket> Create(TicketDraft draft)
    {
        if (state.State.Ticket is { } existing)
        {
            return existing.Draft == draft
                ? existing
                : throw new IllegalTicketActionException($"Ticket {TicketId} already exists with another content.");
        }
        var (organization, flows) = await LoadOrganization();
        var flow = draft.FlowId is null ? null : flows.FirstOrDefault(f => f.Id == draft.FlowId);
        var (ticket, created) = Workflow(organization).Create(TicketId, draft, clock.Now, flow);
        await Commit(null, ticket, [created], []);
        logger.LogInformation("Ticket {TicketId} created: {Category} from {Source}, due {DueAt}", ticket.Id, draft.Category, draft.Source, ticket.Deadline?.DueAt);
        return ticket;
    }

    public async Task<Ticket> Act(TicketActor actor, TicketAction action)
    {
        var before = state.State.Ticket ?? throw new IllegalTicketActionException($"No ticket {TicketId}.");
        var (organization, _) = await LoadOrganization();
        var (after, recorded) = Workflow(organization).Apply(before, actor, action, clock.Now);
        await Commit(before, after, [recorded], NoticesFor(after, recorded));
        return after;
    }

    public Task<Ticket?> Get() => Task.FromResult(state.State.Ticket);

    public Task<ImmutableArray<TicketEvent>> Events() => Task.FromResult(state.State.Events);

    public async Task CheckDeadline()
    {
        if (state.State.Ticket is not { } before)
        {
            return;
        }
        if (TicketDeadlinePolicy.DueAlert(before, clock.Now) != DeadlineAlert.None)
        {
            var (organization, _) = await LoadOrganization();
            if (Workflow(organization).RaiseDueAlert(before, clock.Now) is var (after, alert))
            {
                if (alert.Kind == TicketEventKind.Escalated)
                {
                    logger.LogWarning("Ticket {TicketId} escalated at {Department}: due {DueAt}", after.Id, after.Holder, before.Deadline!.DueAt);
                }
                await Commit(before, after, [alert], AlertNotices(organization, after, alert));
                return;
            }
        }
        await Schedule(before);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckDeadline();

    private TicketWorkflow Workflow(Organization organization) => new(organization, services.Deadlines, services.Options.MaxExtensionMinutes);

    private async Task<(Organization, ImmutableArray<FlowDefinition>)> LoadOrganization()
    {
        var snapshot = await GrainFactory.GetTicketOrganization().Get();
        return (new Organization(snapshot.Departments.IsDefault ? [] : snapshot.Departments), snapshot.Flows.IsDefault ? [] : snapshot.Flows);
    }

    /// <summary>Stores the change with the notices it owes, then delivers them and updates the inboxes.</summary>
    private async Task Commit(Ticket? before, Ticket after, ImmutableArray<TicketEvent> events, ImmutableArray<PendingNotice> notices)
    {
        var previous = (state.State.Ticket, state.State.Events, state.State.PendingNotices);
        state.State.Ticket = after;
        state.State.Events = state.State.Events.AddRange(events);
        state.State.PendingNotices = state.State.PendingNotices.AddRange(notices);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The change did not happen: the caller gets the error, the grain keeps what is stored.
            (state.State.Ticket, state.State.Events, state.State.PendingNotices) = previous;
            throw;
        }
        foreach (var e in events)
        {
            await history.WriteAsync(e);
        }
        await SyncInboxes(before, after);
        if (archive.IndexesTickets)
        {
            await archive.IndexAsync(TicketIndexing.Entry(after, state.State.Events));
        }
        await DeliverPendingNotices();
        await Schedule(after);
    }

    private async Task DeliverPendingNotices()
    {
        var pending = state.State.PendingNotices;
        if (pending.IsEmpty)
        {
            return;
        }
        await Task.WhenAll(pending.Select(n => GrainFactory.GetGrain<IInboxGrain>(n.InboxKey).Notify(n.Notification)));
        state.State.PendingNotices = [];
        await state.WriteStateAsync();
    }

    private async Task SyncInboxes(Ticket? before, Ticket after)
    {
        var old = before is { IsOpen: true } ? InboxKeys(before) : [];
        var current = after.IsOpen ? InboxKeys(after) : [];
        var entry = new InboxEntry(after.Id, after.Draft.Title, after.Draft.Category, after.Draft.Priority, after.Status,
            after.Deadline?.DueAt, after.Deadline?.Warned ?? false, after.Deadline?.Escalated ?? false, after.Urges, clock.Now);
        await Task.WhenAll(
            old.Except(current).Select(key => GrainFactory.GetGrain<IInboxGrain>(key).Remove(after.Id))
                .Concat(current.Select(key => GrainFactory.GetGrain<IInboxGrain>(key).Upsert(entry))));
    }

    private static ImmutableArray<string> InboxKeys(Ticket ticket) => ticket.Assignee is { } person
        ? [TicketGrainKeys.DepartmentInboxPrefix + ticket.Holder, TicketGrainKeys.PersonInboxPrefix + person]
        : [TicketGrainKeys.DepartmentInboxPrefix + ticket.Holder];

    /// <summary>The live notices an action owes the ticket's new holder (TKT-5).</summary>
    private static ImmutableArray<PendingNotice> NoticesFor(Ticket ticket, TicketEvent e)
    {
        InboxNotificationKind? kind = e.Kind switch
        {
            TicketEventKind.Dispatched or TicketEventKind.Transferred => InboxNotificationKind.Arrived,
            TicketEventKind.Urged => InboxNotificationKind.Urged,
            TicketEventKind.Replied => InboxNotificationKind.ReplyArrived,
            TicketEventKind.Returned or TicketEventKind.ReplyReturned => InboxNotificationKind.Returned,
            _ => null,
        };
        if (kind is null || !ticket.IsOpen)
        {
            return [];
        }
        var notice = new InboxNotification($"{ticket.Id}:{e.Sequence}", ticket.Id, kind.Value, e.At, $"{ticket.Draft.Title}: {e.Kind} by {e.Actor}" + (e.Detail is null ? "" : $" ({e.Detail})"));
        return [.. InboxKeys(ticket).Select(key => new PendingNotice(key, notice))];
    }

    /// <summary>A warning goes to the handler; an escalation to the department, its head and the center's supervisor (TKT-3).</summary>
    private ImmutableArray<PendingNotice> AlertNotices(Organization organization, Ticket ticket, TicketEvent alert)
    {
        var generation = ticket.Deadline!.Generation;
        if (alert.Kind == TicketEventKind.Warned)
        {
            var notice = new InboxNotification($"{ticket.Id}:warning:{generation}", ticket.Id, InboxNotificationKind.Warning, alert.At,
                $"{ticket.Draft.Title}: {services.Options.WarningShare:P0} of the handling time used, due {ticket.Deadline.DueAt:O}");
            return [.. InboxKeys(ticket).Select(key => new PendingNotice(key, notice))];
        }
        var escalation = new InboxNotification($"{ticket.Id}:escalation:{generation}", ticket.Id, InboxNotificationKind.Escalation, alert.At,
            $"{ticket.Draft.Title}: overdue at {ticket.Holder} since {ticket.Deadline.DueAt:O}");
        var keys = new List<string> { TicketGrainKeys.DepartmentInboxPrefix + ticket.Holder, TicketGrainKeys.PersonInboxPrefix + services.Options.Supervisor };
        if (organization.Find(ticket.Holder)?.HeadPersonId is { } head)
        {
            keys.Add(TicketGrainKeys.PersonInboxPrefix + head);
        }
        return [.. keys.Distinct().Select(key => new PendingNotice(key, escalation))];
    }

    /// <summary>Arms the exact timer for the next alert and keeps the reminder only while one is pending.</summary>
    private async Task Schedule(Ticket ticket)
    {
        _alertTimer?.Dispose();
        _alertTimer = null;
        if (TicketDeadlinePolicy.NextAlertAt(ticket) is not { } next)
        {
            if (!_reminderAbsent && await this.GetReminder(DeadlineReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            (_reminderAbsent, _reminderFor) = (true, null);
            return;
        }
        if (_reminderFor != next)
        {
            // Reminders run on the wall clock: the alert instant is converted from the center's clock.
            await this.RegisterOrUpdateReminder(DeadlineReminder, clock.ToWall(next - clock.Now), services.Options.ReminderPeriod);
            (_reminderAbsent, _reminderFor) = (false, next);
        }
        _alertTimer = this.RegisterGrainTimer(_ => CheckDeadline(), new GrainTimerCreationOptions
        {
            DueTime = clock.ToWall(next - clock.Now),
            Period = Timeout.InfiniteTimeSpan,
        });
    }
}
