using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>
/// The ticket state machine (TKT-2, TKT-4, TKT-6), without Orleans. <see cref="Check"/> says
/// whether an action is legal for a ticket and an actor; <see cref="Apply"/> performs a legal one
/// and returns the event it yields, and refuses an illegal one with a clear error, changing nothing.
/// Tickets go down one level at a time (dispatch), replies go up one level at a time, and only
/// the center (the top level) approves extensions, closes, surveys and reopens.
/// </summary>
public sealed class TicketWorkflow(Organization organization, TicketDeadlinePolicy deadlines, int maxExtensionMinutes)
{
    public const string SystemActor = "system";

    public Organization Organization => organization;

    public TicketDeadlinePolicy Deadlines => deadlines;

    public (Ticket Ticket, TicketEvent Event) Create(string id, TicketDraft draft, DateTimeOffset now, FlowDefinition? flow = null)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new IllegalTicketActionException("A ticket needs an id.");
        }
        if (string.IsNullOrWhiteSpace(draft.Title) || string.IsNullOrWhiteSpace(draft.Customer) || string.IsNullOrWhiteSpace(draft.CreatedBy))
        {
            throw new IllegalTicketActionException("A ticket needs a title, a customer and the person who registers it.");
        }
        if (!organization.IsCenter(draft.CenterId))
        {
            throw new IllegalTicketActionException($"'{draft.CenterId}' is not the center: tickets are registered at the top level.");
        }
        if (!Enum.IsDefined(draft.Category) || !Enum.IsDefined(draft.Priority) || !Enum.IsDefined(draft.Source))
        {
            throw new IllegalTicketActionException("Unknown category, priority or source.");
        }
        if (draft.HandlingMinutes is <= 0 or > TicketDeadlinePolicy.MaxHandlingMinutes)
        {
            throw new IllegalTicketActionException($"A handling period must be 1..{TicketDeadlinePolicy.MaxHandlingMinutes} business minutes, not {draft.HandlingMinutes}.");
        }
        if (draft.FlowId is not null && flow?.Id != draft.FlowId)
        {
            throw new IllegalTicketActionException($"No flow '{draft.FlowId}'.");
        }
        var ticket = new Ticket
        {
            Id = id,
            Draft = draft,
            CreatedAt = now,
            Path = [draft.CenterId],
            Deadline = deadlines.Start(1, now, deadlines.HandlingMinutes(draft)),
            Flow = flow is null ? null : FlowEngine.Start(flow),
        };
        // The customer and the title go into the history with the event, so a search over the history
        // finds closed tickets by them; the category stays the first word (report views read it).
        return Record(ticket, TicketEventKind.Created, now, draft.CreatedBy, draft.CenterId, draft.Customer, $"{draft.Category} from {draft.Source}: {draft.Title}");
    }

    /// <summary>Null when <paramref name="actor"/> may perform <paramref name="action"/> on <paramref name="ticket"/> now, otherwise why not.</summary>
    public string? Check(Ticket ticket, TicketActor actor, TicketAction action)
    {
        if (string.IsNullOrWhiteSpace(actor.PersonId) || organization.Find(actor.DepartmentId) is null)
        {
            return $"unknown actor '{actor.PersonId}' of department '{actor.DepartmentId}'";
        }
        var holder = ticket.Holder;
        var atHolder = actor.DepartmentId == holder;
        var actorIsCenter = organization.IsCenter(actor.DepartmentId);
        var partsOutstanding = ticket.JointParts.Any(p => p.Status is JointPartStatus.Invited or JointPartStatus.Accepted);
        return action switch
        {
            Dispatch d => !Is(ticket, TicketStatus.Open, TicketStatus.Handling) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : partsOutstanding ? "joint handling parts are still outstanding"
                : organization.Find(d.DepartmentId) is not { } target ? $"no department '{d.DepartmentId}'"
                : target.ParentId != holder ? $"'{target.Id}' is not directly below '{holder}': tickets go down one level at a time"
                : null,
            Transfer t => !Is(ticket, TicketStatus.Handling) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : Blank(t.Reason) ? "a transfer needs a reason"
                : partsOutstanding ? "joint handling parts are still outstanding"
                : organization.Find(t.DepartmentId) is not { } target ? $"no department '{t.DepartmentId}'"
                : target.Id == holder ? "a ticket cannot be transferred to the department that holds it"
                : target.ParentId != organization[holder].ParentId ? $"'{target.Id}' is not under the same department as '{holder}'"
                : null,
            ReturnToSender r => !Is(ticket, TicketStatus.Handling) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : Blank(r.Reason) ? "a return needs a reason"
                : partsOutstanding ? "joint handling parts are still outstanding"
                : null,
            SendReply s => !Is(ticket, TicketStatus.Handling, TicketStatus.ReplyReview) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : organization.IsCenter(holder) ? "the center does not reply upwards: it closes the ticket with the answer to the customer"
                : Blank(s.Reply.Result) ? "a reply needs the handling result"
                : s.Reply.RefundOrPenalty < 0 ? "a refund or penalty amount cannot be negative"
                : partsOutstanding ? "joint handling parts have not all replied"
                : null,
            ReturnReply r => !Is(ticket, TicketStatus.ReplyReview) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : Blank(r.Reason) ? "a returned reply needs a reason"
                : null,
            Urge => !Is(ticket, TicketStatus.Handling) ? StatusError(ticket, action)
                : !ticket.Path.RemoveAt(ticket.Path.Length - 1).Contains(actor.DepartmentId) ? $"only a department above '{holder}' on the ticket's path can urge it"
                : null,
            RequestJointHandling j => !Is(ticket, TicketStatus.Handling) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : ticket.Draft.Category != TicketCategory.Complaint ? $"joint handling is for complaints, not {ticket.Draft.Category}"
                : j.DepartmentIds.IsDefaultOrEmpty ? "joint handling needs at least one other department"
                : j.DepartmentIds.Distinct().Count() != j.DepartmentIds.Length ? "a department is named twice"
                : j.DepartmentIds.FirstOrDefault(id => organization.Find(id) is null || organization.IsCenter(id) || id == holder) is { } bad ? $"'{bad}' cannot take part in joint handling"
                : j.DepartmentIds.FirstOrDefault(id => ticket.JointParts.Any(p => p.DepartmentId == id && p.Status is JointPartStatus.Invited or JointPartStatus.Accepted)) is { } twice ? $"'{twice}' already has an outstanding part"
                : null,
            AcceptJointHandling => !ticket.IsOpen ? StatusError(ticket, action)
                : Part(ticket, actor)?.Status != JointPartStatus.Invited ? $"'{actor.DepartmentId}' has no invitation to accept"
                : null,
            RefuseJointHandling r => !ticket.IsOpen ? StatusError(ticket, action)
                : Part(ticket, actor)?.Status != JointPartStatus.Invited ? $"'{actor.DepartmentId}' has no invitation to refuse"
                : Blank(r.Reason) ? "a refusal needs a reason"
                : null,
            ReplyJointPart p => !ticket.IsOpen ? StatusError(ticket, action)
                : Part(ticket, actor)?.Status != JointPartStatus.Accepted ? $"'{actor.DepartmentId}' has no accepted part to reply to"
                : Blank(p.Reply.Result) ? "a reply needs the handling result"
                : p.Reply.RefundOrPenalty < 0 ? "a refund or penalty amount cannot be negative"
                : null,
            RequestExtension e => !Is(ticket, TicketStatus.Handling) ? StatusError(ticket, action)
                : !atHolder ? NotHolder(actor, holder)
                : ticket.PendingExtensionMinutes is not null ? "an extension request is already waiting for approval"
                : e.BusinessMinutes <= 0 || e.BusinessMinutes > maxExtensionMinutes ? $"an extension must be 1..{maxExtensionMinutes} business minutes"
                : Blank(e.Reason) ? "an extension request needs a reason"
                : null,
            ApproveExtension or RejectExtension => !ticket.IsOpen ? StatusError(ticket, action)
                : !actorIsCenter ? "only the center approves or rejects extensions"
                : ticket.PendingExtensionMinutes is null ? "no extension request is waiting"
                : action is RejectExtension { Reason: var reason } && Blank(reason) ? "a rejection needs a reason"
                : null,
            CloseTicket c => !(Is(ticket, TicketStatus.Open, TicketStatus.ReplyReview) && organization.IsCenter(holder)) ? "only a ticket back at the center (new, or with its reply) can be closed"
                : !actorIsCenter || !atHolder ? "only the center closes tickets"
                : partsOutstanding ? "joint handling parts have not all replied"
                : Blank(c.Channel) || Blank(c.Answer) ? "closing needs the channel and the answer given to the customer"
                : null,
            Reopen r => !Is(ticket, TicketStatus.Closed, TicketStatus.Surveyed) ? StatusError(ticket, action)
                : !actorIsCenter ? "only the center reopens tickets"
                : Blank(r.Reason) ? "reopening needs a reason"
                : null,
            RecordSurvey s => !Is(ticket, TicketStatus.Closed) ? StatusError(ticket, action)
                : !actorIsCenter ? "only the center records callback surveys"
                : s.Score is < 1 or > 5 ? "satisfaction is scored 1..5"
                : null,
            CompleteFlowStep f => !ticket.IsOpen ? StatusError(ticket, action)
                : ticket.Flow is not { } flow ? "the ticket follows no flow"
                : FlowEngine.Check(flow, actor, f.Approve),
            _ => $"unknown action {action.GetType().Name}",
        };
    }

    /// <summary>Performs a legal action; an illegal one throws <see cref="IllegalTicketActionException"/>.</summary>
    public (Ticket Ticket, TicketEvent Event) Apply(Ticket ticket, TicketActor actor, TicketAction action, DateTimeOffset now)
    {
        if (Check(ticket, actor, action) is { } reason)
        {
            throw new IllegalTicketActionException($"{action.Kind} on ticket {ticket.Id} ({ticket.Status} at {ticket.Holder}) by {actor.PersonId}: {reason}.");
        }
        var holder = ticket.Holder;
        var (next, target, detail) = action switch
        {
            Dispatch d => (ticket with { Path = ticket.Path.Add(d.DepartmentId), Status = TicketStatus.Handling, Assignee = d.PersonId, Reply = null, RepliedBy = null, JointParts = [] }, d.DepartmentId, d.PersonId),
            Transfer t => (ticket with { Path = ticket.Path.SetItem(ticket.Path.Length - 1, t.DepartmentId), Assignee = null, JointParts = [] }, t.DepartmentId, t.Reason),
            ReturnToSender r => (Up(ticket) with { Status = AtLevel(Up(ticket)), Assignee = null, JointParts = [] }, ticket.Path[^2], r.Reason),
            SendReply s => (Up(ticket) with { Status = TicketStatus.ReplyReview, Reply = s.Reply, RepliedBy = holder, Assignee = null, JointParts = [] }, ticket.Path[^2], Describe(s.Reply)),
            ReturnReply r => (ticket with { Path = ticket.Path.Add(ticket.RepliedBy!), Status = TicketStatus.Handling, Reply = null, Assignee = null }, ticket.RepliedBy, r.Reason),
            Urge u => (ticket with { Urges = ticket.Urges + 1 }, ticket.Assignee ?? holder, u.Note),
            RequestJointHandling j => (ticket with { JointParts = ticket.JointParts.AddRange(j.DepartmentIds.Select(id => new JointPart(id, JointPartStatus.Invited, null, null))) }, string.Join(',', j.DepartmentIds), null),
            AcceptJointHandling => (WithPart(ticket, actor, p => p with { Status = JointPartStatus.Accepted }), holder, null),
            RefuseJointHandling r => (WithPart(ticket, actor, p => p with { Status = JointPartStatus.Refused, RefusalReason = r.Reason }), holder, r.Reason),
            ReplyJointPart p => (WithPart(ticket, actor, part => part with { Status = JointPartStatus.Replied, Reply = p.Reply }), holder, Describe(p.Reply)),
            RequestExtension e => (ticket with { PendingExtensionMinutes = e.BusinessMinutes, PendingExtensionBy = holder }, organization.Departments.First(d => d.Level == DepartmentLevel.Center).Id, $"{e.BusinessMinutes} min: {e.Reason}"),
            ApproveExtension => (ticket with
            {
                PendingExtensionMinutes = null,
                PendingExtensionBy = null,
                OnTime = false,
                Extensions = ticket.Extensions.SetItem(ticket.PendingExtensionBy!, ticket.Extensions.GetValueOrDefault(ticket.PendingExtensionBy!) + 1),
                Deadline = deadlines.Start(NextGeneration(ticket), now, ticket.PendingExtensionMinutes!.Value),
            }, ticket.PendingExtensionBy, $"{ticket.PendingExtensionMinutes} min"),
            RejectExtension r => (ticket with { PendingExtensionMinutes = null, PendingExtensionBy = null }, ticket.PendingExtensionBy, r.Reason),
            CloseTicket c => (ticket with
            {
                Status = TicketStatus.Closed,
                // An extension still waiting is moot once the customer has the answer.
                PendingExtensionMinutes = null,
                PendingExtensionBy = null,
                CustomerChannel = c.Channel,
                ClosedAt = now,
                OnTime = ticket.OnTime && (ticket.Deadline is null || now <= ticket.Deadline.DueAt),
            }, ticket.Draft.Customer, $"{c.Channel}: {c.Answer}"),
            Reopen r => (Reopened(ticket, now), holder, r.Reason),
            RecordSurvey { Satisfied: true } s => (ticket with { Status = TicketStatus.Surveyed, Satisfied = true, SatisfactionScore = s.Score }, ticket.Draft.Customer, $"satisfied {s.Score}: {s.Note}"),
            RecordSurvey s => (Reopened(ticket, now) with { Satisfied = false, SatisfactionScore = s.Score }, ticket.Draft.Customer, $"unsatisfied {s.Score}, reopened: {s.Note}"),
            CompleteFlowStep f => (ticket with { Flow = FlowEngine.Act(ticket.Flow!, actor, f.Approve) }, null, FlowDetail(ticket.Flow!, f)),
            _ => throw new IllegalTicketActionException($"unknown action {action.GetType().Name}"),
        };
        return Record(next, action.Kind, now, actor.PersonId, actor.DepartmentId, target, detail);
    }

    /// <summary>Raises the warning or the escalation due at <paramref name="now"/>, if any; each is raised once per handling period.</summary>
    public (Ticket Ticket, TicketEvent Event)? RaiseDueAlert(Ticket ticket, DateTimeOffset now)
    {
        var deadline = ticket.Deadline;
        switch (TicketDeadlinePolicy.DueAlert(ticket, now))
        {
            case DeadlineAlert.Warning:
                return Record(ticket with { Deadline = deadline! with { Warned = true } }, TicketEventKind.Warned, now, SystemActor, ticket.Holder, ticket.Assignee ?? ticket.Holder, $"due {deadline!.DueAt:O}");
            case DeadlineAlert.Escalation:
                var head = organization.Find(ticket.Holder)?.HeadPersonId;
                return Record(ticket with { Deadline = deadline! with { Warned = true, Escalated = true }, OnTime = false }, TicketEventKind.Escalated, now, SystemActor, ticket.Holder, head, $"due {deadline!.DueAt:O} (period {deadline.Generation})");
            default:
                return null;
        }
    }

    private Ticket Reopened(Ticket ticket, DateTimeOffset now) => ticket with
    {
        Status = TicketStatus.Open,
        Path = [ticket.Draft.CenterId],
        Assignee = null,
        Reply = null,
        RepliedBy = null,
        JointParts = [],
        PendingExtensionMinutes = null,
        PendingExtensionBy = null,
        ClosedAt = null,
        Satisfied = null,
        SatisfactionScore = null,
        Reopens = ticket.Reopens + 1,
        Deadline = deadlines.Start(NextGeneration(ticket), now, deadlines.HandlingMinutes(ticket.Draft)),
    };

    private static (Ticket, TicketEvent) Record(Ticket ticket, TicketEventKind kind, DateTimeOffset now, string actor, string department, string? target, string? detail)
    {
        var sequence = ticket.EventCount;
        var next = ticket with { EventCount = sequence + 1 };
        return (next, new TicketEvent(ticket.Id, sequence, kind, now, actor, department, target, detail, next.Status));
    }

    private static int NextGeneration(Ticket ticket) => (ticket.Deadline?.Generation ?? 0) + 1;

    private static Ticket Up(Ticket ticket) => ticket with { Path = ticket.Path.RemoveAt(ticket.Path.Length - 1) };

    private TicketStatus AtLevel(Ticket ticket) => organization.IsCenter(ticket.Holder) ? TicketStatus.Open : TicketStatus.Handling;

    private static JointPart? Part(Ticket ticket, TicketActor actor) =>
        ticket.JointParts.LastOrDefault(p => p.DepartmentId == actor.DepartmentId);

    private static Ticket WithPart(Ticket ticket, TicketActor actor, Func<JointPart, JointPart> change)
    {
        var index = ticket.JointParts.FindLastIndex(p => p.DepartmentId == actor.DepartmentId);
        return ticket with { JointParts = ticket.JointParts.SetItem(index, change(ticket.JointParts[index])) };
    }

    private static string FlowDetail(FlowProgress flow, CompleteFlowStep step) =>
        $"{flow.Definition.Steps[flow.StepIndex].Name}: {(step.Approve ? "done" : "refused")}{(step.Note is null ? "" : ": " + step.Note)}";

    private static string Describe(TicketReply reply) =>
        reply.Result + (reply.RefundOrPenalty is { } amount ? $" (amount {amount})" : "") + (reply.ResponsibleOffice is { } office ? $" [{office}]" : "");

    private static bool Is(Ticket ticket, params TicketStatus[] statuses) => statuses.Contains(ticket.Status);

    private static bool Blank(string? text) => string.IsNullOrWhiteSpace(text);

    private static string StatusError(Ticket ticket, TicketAction action) => $"{action.Kind} is not allowed while the ticket is {ticket.Status}";

    private static string NotHolder(TicketActor actor, string holder) => $"'{actor.DepartmentId}' does not hold the ticket ('{holder}' does)";
}

internal static class ImmutableArrayExtensions
{
    public static int FindLastIndex<T>(this ImmutableArray<T> array, Func<T, bool> match)
    {
        for (var i = array.Length - 1; i >= 0; i--)
        {
            if (match(array[i]))
            {
                return i;
            }
        }
        return -1;
    }
}
