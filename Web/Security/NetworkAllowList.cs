using System.Net;
using Microsoft.AspNetCore.Http;

namespace CallCenter.Web.Security;

/// <summary>The optional IP allow-list (ADM-1): a request from outside every listed network gets 403 and nothing else.</summary>
public sealed class NetworkAllowList
{
    private readonly IReadOnlyList<IPNetwork> _networks;

    public NetworkAllowList(IEnumerable<string> cidrs) => _networks = cidrs.Select(IPNetwork.Parse).ToList();

    public bool Allows(IPAddress? address)
    {
        if (_networks.Count == 0)
        {
            return true;
        }
        if (address is null)
        {
            return false;
        }
        // A v4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; match it against v4 networks too.
        return _networks.Any(n => n.Contains(address) || (address.IsIPv4MappedToIPv6 && n.Contains(address.MapToIPv4())));
    }

    public RequestDelegate Middleware(RequestDelegate next) => async context =>
    {
        if (!Allows(context.Connection.RemoteIpAddress))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("This address may not use the contact center's web site.");
            return;
        }
        await next(context);
    };
}
