using System.Security.Claims;
using CallCenter.Security;

namespace CallCenter.Web.Security;

/// <summary>
/// One authorization policy per <see cref="Permission"/>, named after it, satisfied by the
/// permission claims written at login from the directory's permission table.
/// </summary>
public static class Permissions
{
    public const string ClaimType = "callcenter:permission";
    public const string AgentIdClaimType = "callcenter:agent";

    public const string ViewWallboard = nameof(Permission.ViewWallboard);
    public const string ViewConsole = nameof(Permission.ViewConsole);
    public const string ForceAgentState = nameof(Permission.ForceAgentState);
    public const string ConfigureQueues = nameof(Permission.ConfigureQueues);
    public const string UseAgentDesktop = nameof(Permission.UseAgentDesktop);
    public const string ViewAudit = nameof(Permission.ViewAudit);
    public const string Announce = nameof(Permission.Announce);
    public const string CreateTickets = nameof(Permission.CreateTickets);
    public const string HandleTickets = nameof(Permission.HandleTickets);
    public const string ApproveTicketExtensions = nameof(Permission.ApproveTicketExtensions);
    public const string ViewCustomers = nameof(Permission.ViewCustomers);
    public const string ManageCustomers = nameof(Permission.ManageCustomers);
    public const string EditKnowledge = nameof(Permission.EditKnowledge);
    public const string OperateCluster = nameof(Permission.OperateCluster);
    public const string ViewTicketReports = nameof(Permission.ViewTicketReports);

    public static bool Has(this ClaimsPrincipal user, Permission permission) =>
        user.HasClaim(ClaimType, permission.ToString());

    public static ClaimsPrincipal PrincipalOf(UserAccess access, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, access.User.UserName),
            new(ClaimTypes.GivenName, string.IsNullOrEmpty(access.User.DisplayName) ? access.User.UserName : access.User.DisplayName),
        };
        claims.AddRange(access.Roles.Select(r => new Claim(ClaimTypes.Role, r.ToString())));
        claims.AddRange(access.Permissions.Order().Select(p => new Claim(ClaimType, p.ToString())));
        if (access.User.AgentId is { } agentId)
        {
            claims.Add(new Claim(AgentIdClaimType, agentId));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
