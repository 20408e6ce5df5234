using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>
/// What a ticket grain stores. Notices about alerts are kept here until the inboxes confirmed them,
/// so a crash between the write and the delivery re-delivers them (inboxes drop duplicates by id).
/// </summary>
[GenerateSerializer, Alias("tickets.ticket-state")]
public sealed class TicketGrainState
{
    [Id(0)] public Ticket? Ticket { get; set; }
    [Id(1)] public ImmutableArray<TicketEvent> Events { get; set; } = [];
    [Id(2)] public ImmutableArray<PendingNotice> PendingNotices { get; set; } = [];
}

/// <summary>A notice owed to one inbox (grain key).</summary>
[GenerateSerializer, Immutable, Alias("tickets.pending-notice")]
public sealed record PendingNotice(
    [property: Id(0)] string InboxKey,
    [property: Id(1)] InboxNotification Notification);

[GenerateSerializer, Alias("tickets.inbox-state")]
public sealed class InboxGrainState
{
    [Id(0)] public ImmutableDictionary<string, InboxEntry> Entries { get; set; } = ImmutableDictionary<string, InboxEntry>.Empty;
    [Id(1)] public ImmutableList<InboxNotification> Notifications { get; set; } = ImmutableList<InboxNotification>.Empty;
    /// <summary>Ids of every notice delivered (bounded), so a re-delivery is recognised.</summary>
    [Id(2)] public ImmutableHashSet<string> DeliveredIds { get; set; } = ImmutableHashSet<string>.Empty;
}

[GenerateSerializer, Alias("tickets.organization-state")]
public sealed class TicketOrganizationState
{
    [Id(0)] public ImmutableArray<Department> Departments { get; set; } = [];
    [Id(1)] public ImmutableArray<FlowDefinition> Flows { get; set; } = [];
}

[GenerateSerializer, Alias("tickets.index-state")]
public sealed class TicketIndexState
{
    [Id(0)] public ImmutableDictionary<string, TicketIndexEntry> Entries { get; set; } = ImmutableDictionary<string, TicketIndexEntry>.Empty;
}
