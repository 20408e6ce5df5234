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
}

/// <summary>The call a ticket is registered from: its recording and IVR data go with it.</summary>
public sealed record CallLink(string CallId, string? RecordingPath, ImmutableDictionary<string, string> IvrData);

/// <summary>A ticket with its audit trail, as the detail page shows it.</summary>
public sealed record TicketDetailView(Ticket Ticket, ImmutableArray<TicketEvent> Events, ImmutableArray<Department> Departments);

/// <summary>The outcome of an action: the ticket after it, or the grain's reason for refusing it (nothing changed).</summary>
public sealed record TicketActionResult(Ticket? Ticket, string? Error);

/// <summary>
/// The ticket screens' one way to the ticket grains: who acts for which department, creating
/// tickets, acting on them (every action audited), and reading inboxes for the search page.
/// </summary>
public sealed class TicketDesk(IGrainFactory grains, IOptions<TicketDeskOptions> options, AuditTrail audit, ILogger<TicketDesk> logger)
{
    /// <summary>Closed tickets leave every department's inbox; the web keeps them in this list so the search still finds them.</summary>
    public const string ClosedListKey = "inbox-closed-tickets";

    public TicketDeskOptions Options => options.Value;

    public ImmutableArray<string> DesksOf(ClaimsPrincipal user) =>
        options.Value.DesksOf(user.Identity?.Name ?? "", user.Has(Permission.CreateTickets));

    public static string PersonOf(ClaimsPrincipal user) => user.Identity?.Name ?? throw new InvalidOperationException("Nobody is signed in.");

    public async Task<ImmutableArray<Department>> DepartmentsAsync()
    {
        var departments = (await grains.GetTicketOrganization().Get()).Departments;
        return departments.IsDefault ? [] : departments;
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
        var actor = new TicketActor(PersonOf(user), departmentId, string.Join(",", user.FindAll(ClaimTypes.Role).Select(r => r.Value)));
        try
        {
            var ticket = await grains.GetTicket(ticketId).Act(actor, action);
            await audit.RecordAsync(user, remoteAddress, "ticket-" + action.Kind.ToString().ToLowerInvariant(), TicketGrainKeys.TicketPrefix + ticketId, $"as {departmentId}");
            await KeepClosedList(ticket);
            return new TicketActionResult(ticket, null);
        }
        catch (IllegalTicketActionException ex)
        {
            return new TicketActionResult(null, ex.Message);
        }
    }

    private async Task KeepClosedList(Ticket ticket)
    {
        var closed = grains.GetGrain<IInboxGrain>(ClosedListKey);
        if (ticket.IsOpen)
        {
            await closed.Remove(ticket.Id);
            return;
        }
        await closed.Upsert(new InboxEntry(ticket.Id, ticket.Draft.Title, ticket.Draft.Category, ticket.Draft.Priority, ticket.Status,
            null, ticket.Deadline?.Warned ?? false, ticket.Deadline?.Escalated ?? false, ticket.Urges, ticket.ClosedAt ?? ticket.CreatedAt));
    }

    /// <summary>Open tickets from every department's inbox, closed ones from the closed list, filtered.</summary>
    public async Task<ImmutableArray<TicketRow>> SearchAsync(TicketQuery query)
    {
        var departments = await DepartmentsAsync();
        var inboxes = departments
            .Where(d => string.IsNullOrWhiteSpace(query.DepartmentId) || d.Id == query.DepartmentId)
            .Select(async d => (await grains.GetDepartmentInbox(d.Id).View()).Items.Select(i => new TicketRow(i, d.Id)));
        var rows = (await Task.WhenAll(inboxes)).SelectMany(r => r).ToList();
        if (query.Status is null or TicketStatus.Closed or TicketStatus.Surveyed)
        {
            var closed = await grains.GetGrain<IInboxGrain>(ClosedListKey).View();
            rows.AddRange(closed.Items.Select(i => new TicketRow(i, options.Value.CenterId)));
        }
        logger.LogDebug("Ticket search over {Departments} inboxes found {Rows} rows", departments.Length, rows.Count);
        return TicketSearch.Filter(rows, query);
    }
}
