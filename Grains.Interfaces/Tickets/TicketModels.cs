using System.Collections.Immutable;

namespace CallCenter.Tickets;

public enum TicketCategory
{
    Consultation,
    Complaint,
    Suggestion,
    Repair,
    Praise,
}

public enum TicketPriority
{
    Normal,
    Urgent,
}

/// <summary>
/// Where a ticket is in its life. A ticket goes down the department levels while it is handled and
/// its reply goes up level by level (TKT-6); the center closes it and surveys the customer (TKT-4).
/// </summary>
public enum TicketStatus
{
    /// <summary>At a department that has to dispatch it or handle it itself (new at the center, or returned to it).</summary>
    Open,
    /// <summary>Dispatched down to a department that handles it.</summary>
    Handling,
    /// <summary>A reply came up and waits for the department above to pass it on or return it.</summary>
    ReplyReview,
    /// <summary>Answered to the customer; the callback survey is due.</summary>
    Closed,
    /// <summary>Closed and the customer was satisfied with the callback survey: the loop is closed.</summary>
    Surveyed,
}

/// <summary>The three department levels of a city hotline (TKT-6): tickets go down, replies go up.</summary>
public enum DepartmentLevel
{
    /// <summary>The center that sorts and oversees; the top level that approves extensions and closes tickets.</summary>
    Center = 0,
    Bureau = 1,
    Unit = 2,
}

/// <summary>One department of the organization; <see cref="ParentId"/> is the level above (null for the center).</summary>
[GenerateSerializer, Immutable, Alias("tickets.department")]
public sealed record Department(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] DepartmentLevel Level,
    [property: Id(3)] string? ParentId,
    [property: Id(4)] string? HeadPersonId);

/// <summary>Who performs an action: a person acting for a department.</summary>
[GenerateSerializer, Immutable, Alias("tickets.actor")]
public sealed record TicketActor(
    [property: Id(0)] string PersonId,
    [property: Id(1)] string DepartmentId,
    [property: Id(2)] string? Role = null);

/// <summary>A handling reply (TKT-6): the result, any refund or penalty amount and the office responsible.</summary>
[GenerateSerializer, Immutable, Alias("tickets.reply")]
public sealed record TicketReply(
    [property: Id(0)] string Result,
    [property: Id(1)] decimal? RefundOrPenalty,
    [property: Id(2)] string? ResponsibleOffice);

/// <summary>Where a ticket came from: a call (its recording and IVR data linked), the web, or an abandoned call.</summary>
public enum TicketSource
{
    Call,
    Web,
    Email,
    AbandonedCall,
}

/// <summary>What a new ticket carries (TKT-1).</summary>
[GenerateSerializer, Immutable, Alias("tickets.draft")]
public sealed record TicketDraft
{
    [Id(0)] public required TicketCategory Category { get; init; }
    [Id(1)] public TicketPriority Priority { get; init; }
    [Id(2)] public required string Customer { get; init; }
    [Id(3)] public string? CustomerNumber { get; init; }
    [Id(4)] public required string Title { get; init; }
    [Id(5)] public string Content { get; init; } = "";
    [Id(6)] public TicketSource Source { get; init; } = TicketSource.Web;
    [Id(7)] public string? CallId { get; init; }
    [Id(8)] public string? RecordingPath { get; init; }
    [Id(9)] public ImmutableDictionary<string, string> IvrData { get; init; } = ImmutableDictionary<string, string>.Empty;
    [Id(10)] public ImmutableArray<string> Attachments { get; init; } = [];
    /// <summary>The department that registers the ticket (the center).</summary>
    [Id(11)] public required string CenterId { get; init; }
    /// <summary>The person who registered it (an agent, or "system").</summary>
    [Id(12)] public required string CreatedBy { get; init; }
    /// <summary>The flow the ticket follows, if any (flows defined as data).</summary>
    [Id(13)] public string? FlowId { get; init; }
    /// <summary>
    /// A handling period the center set for this ticket, in business minutes (a promise made to the
    /// caller, a bulk import's own deadlines); null for its category's period.
    /// </summary>
    [Id(14)] public int? HandlingMinutes { get; init; }
}

/// <summary>State of one department's part in joint handling (TKT-6).</summary>
public enum JointPartStatus
{
    Invited,
    Accepted,
    Replied,
    Refused,
}

[GenerateSerializer, Immutable, Alias("tickets.joint-part")]
public sealed record JointPart(
    [property: Id(0)] string DepartmentId,
    [property: Id(1)] JointPartStatus Status,
    [property: Id(2)] TicketReply? Reply,
    [property: Id(3)] string? RefusalReason);

/// <summary>
/// The business-time deadline of the current handling period. <see cref="Generation"/> grows with
/// every new period (extension approved, reopened), so "escalated" is kept per period: each
/// period's deadline escalates exactly once (invariant 5).
/// </summary>
[GenerateSerializer, Immutable, Alias("tickets.deadline")]
public sealed record TicketDeadline(
    [property: Id(0)] int Generation,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset WarnAt,
    [property: Id(3)] DateTimeOffset DueAt,
    [property: Id(4)] bool Warned,
    [property: Id(5)] bool Escalated);

/// <summary>The whole of a ticket: its grain state, and what screens show.</summary>
[GenerateSerializer, Immutable, Alias("tickets.ticket")]
public sealed record Ticket
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required TicketDraft Draft { get; init; }
    [Id(2)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(3)] public TicketStatus Status { get; init; } = TicketStatus.Open;
    /// <summary>Departments from the center down to the one that holds the ticket (the last).</summary>
    [Id(4)] public ImmutableArray<string> Path { get; init; } = [];
    /// <summary>The person the holder assigned it to, if any.</summary>
    [Id(5)] public string? Assignee { get; init; }
    /// <summary>The reply travelling up (set while in <see cref="TicketStatus.ReplyReview"/> and after).</summary>
    [Id(6)] public TicketReply? Reply { get; init; }
    /// <summary>The department whose reply is under review (the one a "reply returned" goes back to).</summary>
    [Id(7)] public string? RepliedBy { get; init; }
    [Id(8)] public ImmutableArray<JointPart> JointParts { get; init; } = [];
    /// <summary>The extension asked for, in business minutes, waiting for the center's approval.</summary>
    [Id(9)] public int? PendingExtensionMinutes { get; init; }
    [Id(10)] public string? PendingExtensionBy { get; init; }
    /// <summary>Approved extensions per department: repeated extensions count against the unit (TKT-6).</summary>
    [Id(11)] public ImmutableDictionary<string, int> Extensions { get; init; } = ImmutableDictionary<string, int>.Empty;
    /// <summary>False once an extension was approved or a deadline passed: the ticket no longer counts as on time.</summary>
    [Id(12)] public bool OnTime { get; init; } = true;
    [Id(13)] public TicketDeadline? Deadline { get; init; }
    [Id(14)] public int Urges { get; init; }
    [Id(15)] public string? CustomerChannel { get; init; }
    [Id(16)] public bool? Satisfied { get; init; }
    [Id(17)] public int? SatisfactionScore { get; init; }
    [Id(18)] public int Reopens { get; init; }
    /// <summary>Number of events so far; the next event's sequence.</summary>
    [Id(19)] public long EventCount { get; init; }
    [Id(20)] public DateTimeOffset? ClosedAt { get; init; }
    /// <summary>Position in the ticket's flow, if it follows one.</summary>
    [Id(21)] public FlowProgress? Flow { get; init; }

    public string Holder => Path.IsDefaultOrEmpty ? Draft.CenterId : Path[^1];

    public bool IsOpen => Status is TicketStatus.Open or TicketStatus.Handling or TicketStatus.ReplyReview;
}

public enum TicketEventKind
{
    Created,
    Dispatched,
    Transferred,
    Returned,
    Replied,
    ReplyReturned,
    Urged,
    JointRequested,
    JointAccepted,
    JointRefused,
    JointReplied,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRejected,
    Closed,
    Reopened,
    Surveyed,
    FlowStepDone,
    Warned,
    Escalated,
}

/// <summary>
/// One entry of a ticket's audit trail (TKT-5): who did what, when. Its identity is
/// (TicketId, Sequence): writing it twice to history changes nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("tickets.event")]
public sealed record TicketEvent(
    [property: Id(0)] string TicketId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] TicketEventKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Actor,
    [property: Id(5)] string DepartmentId,
    [property: Id(6)] string? Target,
    [property: Id(7)] string? Detail,
    [property: Id(8)] TicketStatus StatusAfter);
