using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Http;

namespace CallCenter.Web.Security;

/// <summary>Remembers the browser's address when its circuit connects, for the audit log of what the circuit does.</summary>
public sealed class ClientAddressCircuitHandler(IHttpContextAccessor http, ClientAddress address) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (http.HttpContext?.Connection.RemoteIpAddress is { } ip)
        {
            address.Value = ip.ToString();
        }
        return Task.CompletedTask;
    }
}
