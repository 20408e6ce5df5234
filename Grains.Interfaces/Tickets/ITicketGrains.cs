using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>
/// One ticket (key "ticket-&lt;id&gt;"): its state, its audit trail and its deadline. Actions that its
/// state or the actor do not allow throw <see cref="IllegalTicketActionException"/> and change nothing.
/// </summary>
[Alias("tickets.ticket-grain")]
public interface ITicketGrain : IGrainWithStringKey
{
    /// <summary>Registers the ticket at the center. Creating it again with the same draft returns it unchanged (a retried create).</summary>
    [Alias("create")] Task<Ticket> Create(TicketDraft draft);
    [Alias("act")] Task<Ticket> Act(TicketActor actor, TicketAction action);
    [Alias("get")] Task<Ticket?> Get();
    /// <summary>The audit trail: every action and alert, in order.</summary>
    [Alias("events")] Task<ImmutableArray<TicketEvent>> Events();
    /// <summary>Raises the warning or escalation that is due (what a reminder tick does); idempotent.</summary>
    [Alias("check-deadline")] Task CheckDeadline();
}

/// <summary>The departments and flows tickets use (key "tickets-organization").</summary>
[Alias("tickets.organization-grain")]
public interface ITicketOrganizationGrain : IGrainWithStringKey
{
    /// <summary>Replaces the organization; a bad tree (no center, a unit under the center...) is refused and changes nothing.</summary>
    [Alias("configure")] Task Configure(ImmutableArray<Department> departments, ImmutableArray<FlowDefinition> flows);
    [Alias("get")] Task<TicketOrganizationSnapshot> Get();
}

[GenerateSerializer, Immutable, Alias("tickets.organization")]
public sealed record TicketOrganizationSnapshot(
    [property: Id(0)] ImmutableArray<Department> Departments,
    [property: Id(1)] ImmutableArray<FlowDefinition> Flows);

public enum InboxNotificationKind
{
    Arrived,
    Urged,
    Warning,
    Escalation,
    ReplyArrived,
    Returned,
}

/// <summary>A live notice in an inbox (TKT-5). Its id makes delivery idempotent: a notice delivered twice is kept once.</summary>
[GenerateSerializer, Immutable, Alias("tickets.notification")]
public sealed record InboxNotification(
    [property: Id(0)] string Id,
    [property: Id(1)] string TicketId,
    [property: Id(2)] InboxNotificationKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Text);

/// <summary>A ticket as an inbox lists it.</summary>
[GenerateSerializer, Immutable, Alias("tickets.inbox-entry")]
public sealed record InboxEntry(
    [property: Id(0)] string TicketId,
    [property: Id(1)] string Title,
    [property: Id(2)] TicketCategory Category,
    [property: Id(3)] TicketPriority Priority,
    [property: Id(4)] TicketStatus Status,
    [property: Id(5)] DateTimeOffset? DueAt,
    [property: Id(6)] bool Warned,
    [property: Id(7)] bool Escalated,
    [property: Id(8)] int Urges,
    [property: Id(9)] DateTimeOffset UpdatedAt);

/// <summary>An inbox line with what the screen shows: business time left (negative when overdue).</summary>
[GenerateSerializer, Immutable, Alias("tickets.inbox-item")]
public sealed record InboxItem(
    [property: Id(0)] InboxEntry Entry,
    [property: Id(1)] TimeSpan? RemainingBusinessTime,
    [property: Id(2)] bool Overdue);

[GenerateSerializer, Immutable, Alias("tickets.inbox-view")]
public sealed record InboxView(
    [property: Id(0)] string Owner,
    [property: Id(1)] ImmutableArray<InboxItem> Items,
    [property: Id(2)] int Total,
    [property: Id(3)] int OverdueCount,
    [property: Id(4)] int WarnedCount,
    [property: Id(5)] ImmutableArray<InboxNotification> Notifications);

/// <summary>
/// A department's or a person's to-do list (待办, TKT-5), keys "inbox-department-&lt;id&gt;" and
/// "inbox-person-&lt;id&gt;". Tickets keep it current; screens read it.
/// </summary>
[Alias("tickets.inbox-grain")]
public interface IInboxGrain : IGrainWithStringKey
{
    [Alias("upsert")] Task Upsert(InboxEntry entry);
    [Alias("remove")] Task Remove(string ticketId);
    /// <summary>Adds a notice unless one with the same id was delivered before; true when it is new.</summary>
    [Alias("notify")] Task<bool> Notify(InboxNotification notification);
    /// <summary>The inbox ordered by least business time left, with counts and the latest notices.</summary>
    [Alias("view")] Task<InboxView> View();
    /// <summary>Subscribes (or renews for two minutes) to changes of this inbox; returns its current view.</summary>
    [Alias("subscribe")] Task<InboxView> Subscribe(IInboxObserver observer);
    [Alias("unsubscribe")] Task Unsubscribe(IInboxObserver observer);
}

/// <summary>A web process watching an inbox: told after every change, so screens never poll (TKT-5).</summary>
[Alias("tickets.inbox-observer")]
public interface IInboxObserver : IGrainObserver
{
    /// <summary>The inbox <paramref name="owner"/> changed; <paramref name="notification"/> is the new notice, if the change was one.</summary>
    [Alias("inbox-changed"), OneWay] Task InboxChanged(string owner, InboxNotification? notification);
}

public static class TicketGrainKeys
{
    public const string TicketPrefix = "ticket-";
    public const string DepartmentInboxPrefix = "inbox-department-";
    public const string PersonInboxPrefix = "inbox-person-";
    public const string Organization = "tickets-organization";

    public static ITicketGrain GetTicket(this IGrainFactory grains, string ticketId) => grains.GetGrain<ITicketGrain>(TicketPrefix + ticketId);

    public static IInboxGrain GetDepartmentInbox(this IGrainFactory grains, string departmentId) => grains.GetGrain<IInboxGrain>(DepartmentInboxPrefix + departmentId);

    public static IInboxGrain GetPersonInbox(this IGrainFactory grains, string personId) => grains.GetGrain<IInboxGrain>(PersonInboxPrefix + personId);

    public static ITicketOrganizationGrain GetTicketOrganization(this IGrainFactory grains) => grains.GetGrain<ITicketOrganizationGrain>(Organization);
}
