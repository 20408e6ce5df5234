using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>An action on a ticket (TKT-2, TKT-4, TKT-6); which ones are legal depends on the ticket's state and the actor.</summary>
[GenerateSerializer, Immutable, Alias("tickets.action")]
public abstract record TicketAction
{
    public abstract TicketEventKind Kind { get; }
}

/// <summary>The holder sends the ticket one level down, to a department below it (and optionally a person there).</summary>
[GenerateSerializer, Immutable, Alias("tickets.dispatch")]
public sealed record Dispatch([property: Id(0)] string DepartmentId, [property: Id(1)] string? PersonId = null) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Dispatched;
}

/// <summary>The handling department hands the ticket to another department under the same parent (转办).</summary>
[GenerateSerializer, Immutable, Alias("tickets.transfer")]
public sealed record Transfer([property: Id(0)] string DepartmentId, [property: Id(1)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Transferred;
}

/// <summary>The handling department sends the ticket back to the one that dispatched it (退办), with a reason.</summary>
[GenerateSerializer, Immutable, Alias("tickets.return")]
public sealed record ReturnToSender([property: Id(0)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Returned;
}

/// <summary>The holder answers (or passes a reply under review) one level up (回复).</summary>
[GenerateSerializer, Immutable, Alias("tickets.reply-action")]
public sealed record SendReply([property: Id(0)] TicketReply Reply) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Replied;
}

/// <summary>The reviewer sends a reply back down to the department that gave it, with a reason.</summary>
[GenerateSerializer, Immutable, Alias("tickets.reply-returned")]
public sealed record ReturnReply([property: Id(0)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.ReplyReturned;
}

/// <summary>A department above the holder urges it (催办); the handler is notified.</summary>
[GenerateSerializer, Immutable, Alias("tickets.urge")]
public sealed record Urge([property: Id(0)] string Note) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Urged;
}

/// <summary>The holder of a complaint asks other departments to handle it jointly (联办).</summary>
[GenerateSerializer, Immutable, Alias("tickets.joint-request")]
public sealed record RequestJointHandling([property: Id(0)] ImmutableArray<string> DepartmentIds) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.JointRequested;
}

/// <summary>An invited department takes its part of a joint ticket.</summary>
[GenerateSerializer, Immutable, Alias("tickets.joint-accept")]
public sealed record AcceptJointHandling : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.JointAccepted;
}

/// <summary>An invited department refuses its part; the part returns to the requester.</summary>
[GenerateSerializer, Immutable, Alias("tickets.joint-refuse")]
public sealed record RefuseJointHandling([property: Id(0)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.JointRefused;
}

/// <summary>A department that accepted a part of a joint ticket replies for its part.</summary>
[GenerateSerializer, Immutable, Alias("tickets.joint-reply")]
public sealed record ReplyJointPart([property: Id(0)] TicketReply Reply) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.JointReplied;
}

/// <summary>The handler asks the center for more time (延期), in business minutes.</summary>
[GenerateSerializer, Immutable, Alias("tickets.extension-request")]
public sealed record RequestExtension([property: Id(0)] int BusinessMinutes, [property: Id(1)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.ExtensionRequested;
}

/// <summary>The center (the top level) approves the pending extension: a new handling period starts.</summary>
[GenerateSerializer, Immutable, Alias("tickets.extension-approve")]
public sealed record ApproveExtension : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.ExtensionApproved;
}

[GenerateSerializer, Immutable, Alias("tickets.extension-reject")]
public sealed record RejectExtension([property: Id(0)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.ExtensionRejected;
}

/// <summary>The center answers the customer through <paramref name="Channel"/> (phone, sms, e-mail...) and closes the ticket.</summary>
[GenerateSerializer, Immutable, Alias("tickets.close")]
public sealed record CloseTicket([property: Id(0)] string Channel, [property: Id(1)] string Answer) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Closed;
}

/// <summary>The center reopens a closed ticket: it is open at the center again with a new handling period.</summary>
[GenerateSerializer, Immutable, Alias("tickets.reopen")]
public sealed record Reopen([property: Id(0)] string Reason) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Reopened;
}

/// <summary>The result of the center's callback survey (回访); an unsatisfied customer reopens the ticket.</summary>
[GenerateSerializer, Immutable, Alias("tickets.survey")]
public sealed record RecordSurvey([property: Id(0)] bool Satisfied, [property: Id(1)] int Score, [property: Id(2)] string? Note = null) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.Surveyed;
}

/// <summary>The actor completes (or, in a countersign step, refuses) their part of the ticket's current flow step.</summary>
[GenerateSerializer, Immutable, Alias("tickets.flow-step")]
public sealed record CompleteFlowStep([property: Id(0)] bool Approve, [property: Id(1)] string? Note = null) : TicketAction
{
    public override TicketEventKind Kind => TicketEventKind.FlowStepDone;
}
