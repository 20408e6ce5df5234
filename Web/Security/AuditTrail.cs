using System.Security.Claims;
using CallCenter.Security;
using Microsoft.Extensions.Logging;

namespace CallCenter.Web.Security;

/// <summary>Writes important operations to the audit log grain (and the log), naming who, what, when and from where.</summary>
public sealed class AuditTrail(IGrainFactory grains, TimeProvider time, ILogger<AuditTrail> logger)
{
    public async Task RecordAsync(ClaimsPrincipal user, string? remoteAddress, string action, string target, string? detail = null)
    {
        var who = user.Identity?.Name ?? "anonymous";
        logger.LogInformation("Audit: {User} from {Address}: {Action} {Target} {Detail}", who, remoteAddress, action, target, detail);
        await grains.GetGrain<IAuditLogGrain>(SecurityKeys.AuditLog)
            .Record(new AuditEntry(time.GetUtcNow(), who, action, target, detail, remoteAddress));
    }
}

/// <summary>The address of the browser behind the current circuit, captured when the circuit's first request arrives.</summary>
public sealed class ClientAddress
{
    public string? Value { get; set; }
}
