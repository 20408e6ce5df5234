using CallCenter.Calls;
using CallCenter.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallCenter.Tickets;

/// <summary>Tickets made from calls without anyone asking, bound from "CallCenter:Tickets".</summary>
public sealed class CallbackTicketOptions
{
    public const string Section = "CallCenter:Tickets";

    /// <summary>When a caller with a presented number abandons a call, a callback ticket is registered at the center (TKT-1).</summary>
    public bool CallbackTicketsForAbandoned { get; set; } = true;
}

/// <summary>What the call grain tells when a call's record is written. Must not block or throw: the call is over either way.</summary>
public interface ICallbackTicketIntake
{
    void OnCallEnded(CallDetailRecord record);
}

/// <summary>
/// Registers a callback ticket for an abandoned call of a known caller, at the center of the
/// ticket organization; without an organization (no tickets configured) nothing happens. The
/// ticket id derives from the call id, so a call ended twice still makes one ticket.
/// </summary>
public sealed class CallbackTicketIntake(IGrainFactory grains, IOptions<CallbackTicketOptions> options, CallCenterClock clock, ILogger<CallbackTicketIntake> logger)
    : ICallbackTicketIntake
{
    /// <summary>How long the center's id is reused before the organization is asked again.</summary>
    private static readonly TimeSpan CenterKeptFor = TimeSpan.FromSeconds(30);

    private (string? CenterId, DateTimeOffset Until) _center = (null, DateTimeOffset.MinValue);

    public void OnCallEnded(CallDetailRecord record)
    {
        if (!options.Value.CallbackTicketsForAbandoned || record.Outcome != CallOutcome.Abandoned || !TicketIntake.IsKnownCaller(record.CallerNumber))
        {
            return;
        }
        // Off the call grain's scheduler: the call deactivates right after its record is written.
        _ = Task.Run(() => CreateAsync(record));
    }

    private async Task CreateAsync(CallDetailRecord record)
    {
        try
        {
            if (await CenterAsync() is not { } centerId)
            {
                return;
            }
            if (await grains.CreateCallbackTicket(record, centerId) is { } ticket)
            {
                logger.LogInformation("Callback ticket {TicketId} for abandoned call {CallId} of {Caller}", ticket.Id, record.CallId, record.CallerNumber);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "No callback ticket for abandoned call {CallId} of {Caller}", record.CallId, record.CallerNumber);
        }
    }

    private async Task<string?> CenterAsync()
    {
        var now = clock.Now;
        var cached = _center;
        if (now < cached.Until)
        {
            return cached.CenterId;
        }
        var organization = await grains.GetTicketOrganization().Get();
        var center = organization.Departments.IsDefault ? null : organization.Departments.FirstOrDefault(d => d.Level == DepartmentLevel.Center)?.Id;
        _center = (center, now + CenterKeptFor);
        return center;
    }
}
