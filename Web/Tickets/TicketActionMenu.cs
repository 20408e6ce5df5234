using System.Collections.Immutable;
using CallCenter.Tickets;

namespace CallCenter.Web.Tickets;

/// <summary>One button of the ticket detail: an action, the department the viewer acts for, and the departments it may name.</summary>
public sealed record MenuAction(TicketEventKind Kind, string ActingDepartment, ImmutableArray<Department> Targets);

/// <summary>
/// Which actions the detail page offers a viewer (TKT-2, TKT-4, TKT-6): the ones the ticket's
/// state and the viewer's departments allow. It mirrors the grain's rules on state, holder and level
/// (a test holds it to the workflow's own check); the grain still decides, and its clear error is
/// shown for anything the inputs get wrong (a blank reason, an amount below zero...).
/// </summary>
public static class TicketActionMenu
{
    /// <param name="personId">The viewer, for flow steps that name a person.</param>
    /// <param name="roles">The viewer's roles, comma-separated, for flow steps that name a role.</param>
    public static ImmutableArray<MenuAction> For(Ticket ticket, ImmutableArray<Department> departments, IReadOnlyList<string> desks, bool mayApproveExtensions,
        string? personId = null, string? roles = null)
    {
        var byId = departments.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var menu = ImmutableArray.CreateBuilder<MenuAction>();
        foreach (var desk in desks.Distinct(StringComparer.Ordinal))
        {
            if (!byId.TryGetValue(desk, out var actor))
            {
                continue;
            }
            foreach (var kind in Offered(ticket, actor, byId, mayApproveExtensions).Concat(FlowStep(ticket, personId, desk, roles)))
            {
                // Several desks may allow the same action: the first (the home desk) acts.
                if (!menu.Any(m => m.Kind == kind))
                {
                    menu.Add(new MenuAction(kind, desk, Targets(kind, ticket, byId)));
                }
            }
        }
        return menu.ToImmutable();
    }

    private static IEnumerable<TicketEventKind> Offered(Ticket ticket, Department actor, Dictionary<string, Department> byId, bool mayApproveExtensions)
    {
        var holder = ticket.Holder;
        var atHolder = actor.Id == holder;
        var isCenter = actor.Level == DepartmentLevel.Center;
        var holderIsCenter = byId.TryGetValue(holder, out var held) && held.Level == DepartmentLevel.Center;
        var outstanding = ticket.JointParts.Any(p => p.Status is JointPartStatus.Invited or JointPartStatus.Accepted);
        var status = ticket.Status;
        var handling = status == TicketStatus.Handling;
        if (atHolder && status is TicketStatus.Open or TicketStatus.Handling && !outstanding && Targets(TicketEventKind.Dispatched, ticket, byId).Length > 0)
            yield return TicketEventKind.Dispatched;
        if (atHolder && handling && !outstanding && Targets(TicketEventKind.Transferred, ticket, byId).Length > 0)
            yield return TicketEventKind.Transferred;
        if (atHolder && handling && !outstanding)
            yield return TicketEventKind.Returned;
        if (atHolder && status is TicketStatus.Handling or TicketStatus.ReplyReview && !holderIsCenter && !outstanding)
            yield return TicketEventKind.Replied;
        if (atHolder && status == TicketStatus.ReplyReview)
            yield return TicketEventKind.ReplyReturned;
        if (handling && ticket.Path.Length > 1 && ticket.Path.RemoveAt(ticket.Path.Length - 1).Contains(actor.Id))
            yield return TicketEventKind.Urged;
        if (atHolder && handling && ticket.Draft.Category == TicketCategory.Complaint && Targets(TicketEventKind.JointRequested, ticket, byId).Length > 0)
            yield return TicketEventKind.JointRequested;
        var part = ticket.JointParts.LastOrDefault(p => p.DepartmentId == actor.Id);
        if (ticket.IsOpen && part?.Status == JointPartStatus.Invited)
        {
            yield return TicketEventKind.JointAccepted;
            yield return TicketEventKind.JointRefused;
        }
        if (ticket.IsOpen && part?.Status == JointPartStatus.Accepted)
            yield return TicketEventKind.JointReplied;
        if (atHolder && handling && ticket.PendingExtensionMinutes is null)
            yield return TicketEventKind.ExtensionRequested;
        if (ticket.IsOpen && isCenter && mayApproveExtensions && ticket.PendingExtensionMinutes is not null)
        {
            yield return TicketEventKind.ExtensionApproved;
            yield return TicketEventKind.ExtensionRejected;
        }
        if (atHolder && isCenter && status is TicketStatus.Open or TicketStatus.ReplyReview && !outstanding)
            yield return TicketEventKind.Closed;
        if (isCenter && status == TicketStatus.Closed)
            yield return TicketEventKind.Surveyed;
        if (isCenter && status is TicketStatus.Closed or TicketStatus.Surveyed)
            yield return TicketEventKind.Reopened;
    }

    /// <summary>
    /// The flow step button (TKT-2): offered to whoever the current step still waits for, by person,
    /// the department acted for, or role, exactly as the workflow's flow check decides.
    /// </summary>
    private static IEnumerable<TicketEventKind> FlowStep(Ticket ticket, string? personId, string desk, string? roles)
    {
        if (ticket.IsOpen && personId is not null && ticket.Flow is { Finished: false } flow && flow.PendingIndexOf(new TicketActor(personId, desk, roles)) is not null)
            yield return TicketEventKind.FlowStepDone;
    }

    /// <summary>The departments an action may name: one level down for a dispatch, the holder's siblings for a transfer, any other non-center department for joint handling.</summary>
    private static ImmutableArray<Department> Targets(TicketEventKind kind, Ticket ticket, Dictionary<string, Department> byId)
    {
        var holder = ticket.Holder;
        var parent = byId.TryGetValue(holder, out var held) ? held.ParentId : null;
        IEnumerable<Department> targets = kind switch
        {
            TicketEventKind.Dispatched => byId.Values.Where(d => d.ParentId == holder),
            TicketEventKind.Transferred => parent is null ? [] : byId.Values.Where(d => d.ParentId == parent && d.Id != holder),
            TicketEventKind.JointRequested => byId.Values.Where(d => d.Level != DepartmentLevel.Center && d.Id != holder
                && !ticket.JointParts.Any(p => p.DepartmentId == d.Id && p.Status is JointPartStatus.Invited or JointPartStatus.Accepted)),
            _ => [],
        };
        return [.. targets.OrderBy(d => d.Level).ThenBy(d => d.Name, StringComparer.CurrentCulture)];
    }

    /// <summary>The button's words.</summary>
    public static string Label(TicketEventKind kind) => kind switch
    {
        TicketEventKind.Dispatched => "Dispatch",
        TicketEventKind.Transferred => "Transfer",
        TicketEventKind.Returned => "Return to sender",
        TicketEventKind.Replied => "Reply",
        TicketEventKind.ReplyReturned => "Return the reply",
        TicketEventKind.Urged => "Urge",
        TicketEventKind.JointRequested => "Request joint handling",
        TicketEventKind.JointAccepted => "Accept joint part",
        TicketEventKind.JointRefused => "Refuse joint part",
        TicketEventKind.JointReplied => "Reply for our part",
        TicketEventKind.ExtensionRequested => "Request extension",
        TicketEventKind.ExtensionApproved => "Approve extension",
        TicketEventKind.ExtensionRejected => "Reject extension",
        TicketEventKind.Closed => "Answer customer and close",
        TicketEventKind.Surveyed => "Record callback survey",
        TicketEventKind.Reopened => "Reopen",
        TicketEventKind.FlowStepDone => "Complete my part of the step",
        _ => kind.ToString(),
    };
}
