using System.Collections.Immutable;
using System.Security.Claims;
using CallCenter.Security;
using CallCenter.Tickets;
using CallCenter.Web.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Tickets;

/// <summary>What the agent fills in for a new ticket (TKT-1).</summary>
public sealed class TicketFormModel
{
    public TicketCategory Category { get; set; } = TicketCategory.Consultation;
    public TicketPriority Priority { get; set; } = TicketPriority.Normal;
    public string Customer { get; set; } = "";
    public string? CustomerNumber { get; set; }
    public string Title { get; set; } = "";
    public string Content { get; set; } = "";
    /// <summary>The flow the ticket follows (flows defined as data), if any.</summary>
    public string? FlowId { get; set; }
}

/// <summary>The call a ticket is registered from: its recording and IVR data go with it.</summary>
public sealed record CallLink(string CallId, string? RecordingPath, ImmutableDictionary<string, string> IvrData);

/// <summary>A ticket with its audit trail, as the detail page shows it.</summary>
public sealed record TicketDetailView(Ticket Ticket, ImmutableArray<TicketEvent> Events, ImmutableArray<Department> Departments);

/// <summary>The outcome of an action: the ticket after it, or the grain's reason for refusing it (nothing changed).</summary>
public sealed record TicketActionResult(Ticket? Ticket, string? Error);

/// <summary>
/// The ticket screens' one way to the ticket grains: who acts for which department, creating
/// tickets, acting on them (every action audited), searching every ticket and the on-time ranking.
/// </summary>
public sealed class TicketDesk(IGrainFactory grains, IOptions<TicketDeskOptions> options, AuditTrail audit, ILogger<TicketDesk> logger)
{
    public TicketDeskOptions Options => options.Value;

    public ImmutableArray<string> DesksOf(ClaimsPrincipal user) =>
        options.Value.DesksOf(user.Identity?.Name ?? "", user.Has(Permission.CreateTickets));

    /// <summary>The roles a flow step may name, as the ticket actor carries them (comma-separated).</summary>
    public static string RolesOf(ClaimsPrincipal user) => string.Join(",", user.FindAll(ClaimTypes.Role).Select(r => r.Value));

    public static string PersonOf(ClaimsPrincipal user) => user.Identity?.Name ?? throw new InvalidOperationException("Nobody is signed in.");

    public async Task<ImmutableArray<Department>> DepartmentsAsync()
    {
        var departments = (await grains.GetTicketOrganization().Get()).Departments;
        return departments.IsDefault ? [] : departments;
    }

    public async Task<ImmutableArray<FlowDefinition>> FlowsAsync()
    {
        var flows = (await grains.GetTicketOrganization().Get()).Flows;
        return flows.IsDefault ? [] : flows;
    }

    /// <summary>Registers a ticket at the center, from the web or from <paramref name="call"/>; a bad form gets the grain's error and creates nothing.</summary>
    public async Task<TicketActionResult> CreateAsync(ClaimsPrincipal user, string? remoteAddress, TicketFormModel form, CallLink? call)
    {
        var draft = new TicketDraft
        {
            Category = form.Category,
            Priority = form.Priority,
            Customer = form.Customer.Trim(),
            CustomerNumber = string.IsNullOrWhiteSpace(form.CustomerNumber) ? null : form.CustomerNumber.Trim(),
            Title = form.Title.Trim(),
            Content = form.Content.Trim(),
            Source = TicketSource.Web,
            CenterId = options.Value.CenterId,
            CreatedBy = PersonOf(user),
            FlowId = string.IsNullOrWhiteSpace(form.FlowId) ? null : form.FlowId,
        };
        try
        {
            var ticket = call is null
                ? await grains.GetTicket("web-" + Guid.NewGuid().ToString("N")[..12]).Create(draft)
                : await grains.CreateTicketFromCall(call.CallId, call.RecordingPath, call.IvrData, draft);
            await audit.RecordAsync(user, remoteAddress, "ticket-create", TicketGrainKeys.TicketPrefix + ticket.Id, $"{draft.Category}, {draft.Priority}{(call is null ? "" : ", call " + call.CallId)}");
            return new TicketActionResult(ticket, null);
        }
        catch (IllegalTicketActionException ex)
        {
            return new TicketActionResult(null, ex.Message);
        }
    }

    public async Task<TicketDetailView?> DetailAsync(string ticketId)
    {
        var grain = grains.GetTicket(ticketId);
        if (await grain.Get() is not { } ticket)
        {
            return null;
        }
        return new TicketDetailView(ticket, await grain.Events(), await DepartmentsAsync());
    }

    /// <summary>Performs <paramref name="action"/> for <paramref name="departmentId"/>, which must be one of the viewer's desks.</summary>
    public async Task<TicketActionResult> ActAsync(ClaimsPrincipal user, string? remoteAddress, string ticketId, string departmentId, TicketAction action)
    {
        if (!DesksOf(user).Contains(departmentId))
        {
            return new TicketActionResult(null, $"You do not act for '{departmentId}'.");
        }
        if (action is ApproveExtension or RejectExtension && !user.Has(Permission.ApproveTicketExtensions))
        {
            return new TicketActionResult(null, "Your role does not approve extensions.");
        }
        var actor = new TicketActor(PersonOf(user), departmentId, RolesOf(user));
        try
        {
            var ticket = await grains.GetTicket(ticketId).Act(actor, action);
            await audit.RecordAsync(user, remoteAddress, "ticket-" + action.Kind.ToString().ToLowerInvariant(), TicketGrainKeys.TicketPrefix + ticketId, $"as {departmentId}");
            return new TicketActionResult(ticket, null);
        }
        catch (IllegalTicketActionException ex)
        {
            return new TicketActionResult(null, ex.Message);
        }
    }

    /// <summary>
    /// Every ticket matching <paramref name="query"/>, open or closed, from the ticket archive (the
    /// PostgreSQL history, or the grains' index in memory mode); open ones carry their inbox line
    /// (business time left). A bad query throws <see cref="ArgumentException"/>.
    /// </summary>
    public async Task<ImmutableArray<TicketRow>> SearchAsync(TicketQuery query)
    {
        var archiveQuery = query.ToArchiveQuery();
        if (archiveQuery.Problem() is { } problem)
        {
            throw new ArgumentException($"Bad ticket search: {problem}.", nameof(query));
        }
        var hits = await grains.GetTicketArchive().Search(archiveQuery);
        var holders = hits.Where(h => h.Status is TicketStatus.Open or TicketStatus.Handling or TicketStatus.ReplyReview).Select(h => h.Holder).Distinct(StringComparer.Ordinal);
        var views = await Task.WhenAll(holders.Select(d => grains.GetDepartmentInbox(d).View()));
        var live = views.SelectMany(v => v.Items).DistinctBy(i => i.Entry.TicketId).ToDictionary(i => i.Entry.TicketId, StringComparer.Ordinal);
        var rows = hits.Select(h => new TicketRow(
            live.TryGetValue(h.TicketId, out var item) && item.Entry.Status == h.Status
                ? item
                : new InboxItem(new InboxEntry(h.TicketId, h.Title, h.Category, TicketPriority.Normal, h.Status, null, false, false, 0, h.UpdatedAt), null, false),
            h.Holder));
        logger.LogDebug("Ticket search found {Hits} tickets, {Open} with a live inbox line", hits.Length, live.Count);
        // The archive filtered; what is left is the overdue flag (live only) and the most-urgent-first order.
        return TicketSearch.Filter(rows, new TicketQuery(OverdueOnly: query.OverdueOnly));
    }

    /// <summary>Departments by on-time completion of the tickets they completed in [from, to) (TKT-6).</summary>
    public Task<ImmutableArray<UnitRankingRow>> RankingAsync(DateTimeOffset from, DateTimeOffset to) => grains.GetTicketArchive().Ranking(from, to);
}
