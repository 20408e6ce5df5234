using System.Collections.Immutable;

namespace CallCenter.Security;

/// <summary>The roles of the web site (ADM-1). A group grants roles; a role grants permissions.</summary>
public enum Role
{
    Agent,
    TeamLeader,
    Supervisor,
    Department,
    Admin,
}

/// <summary>One function of the web site that a role may or may not use.</summary>
public enum Permission
{
    ViewWallboard,
    ViewConsole,
    ForceAgentState,
    ConfigureQueues,
    UseAgentDesktop,
    ViewAudit,
    /// <summary>Post announcements to agents (MSG-1).</summary>
    Announce,
    /// <summary>Register tickets from the desktop or the new-ticket page (TKT-1).</summary>
    CreateTickets,
    /// <summary>Open the ticket inboxes, search and detail, and act on tickets for one's departments (TKT-2, TKT-5).</summary>
    HandleTickets,
    /// <summary>Approve or reject extension requests at the center (TKT-6).</summary>
    ApproveTicketExtensions,
    /// <summary>Look up customer profiles and their contact history (CUS-1).</summary>
    ViewCustomers,
    /// <summary>Import, export and edit the customer directory (CUS-1).</summary>
    ManageCustomers,
    /// <summary>Write and delete knowledge-base articles (KB-1).</summary>
    EditKnowledge,
    /// <summary>Open the Orleans dashboard (silos, grains, calls per second): operators of the cluster only.</summary>
    OperateCluster,
    /// <summary>See the ranking of departments by on-time ticket completion (TKT-6): supervisors and department heads.</summary>
    ViewTicketReports,
}

[GenerateSerializer, Immutable, Alias("security.user")]
public sealed record UserAccount
{
    [Id(0)] public required string UserName { get; init; }
    [Id(1)] public string DisplayName { get; init; } = "";
    /// <summary>ASP.NET Core Identity's PasswordHasher format; the plain password is never stored.</summary>
    [Id(2)] public required string PasswordHash { get; init; }
    [Id(3)] public required string Group { get; init; }
    /// <summary>The agent this person works as on the agent desktop, if any.</summary>
    [Id(4)] public string? AgentId { get; init; }
    [Id(5)] public bool Disabled { get; init; }
}

[GenerateSerializer, Immutable, Alias("security.group")]
public sealed record UserGroup(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<Role> Roles);

/// <summary>Users, groups and the per-role permission table, kept by one grain.</summary>
[GenerateSerializer, Immutable, Alias("security.directory")]
public sealed record SecurityDirectory
{
    [Id(0)] public ImmutableDictionary<string, UserAccount> Users { get; init; } = ImmutableDictionary.Create<string, UserAccount>(StringComparer.OrdinalIgnoreCase);
    [Id(1)] public ImmutableDictionary<string, UserGroup> Groups { get; init; } = ImmutableDictionary.Create<string, UserGroup>(StringComparer.OrdinalIgnoreCase);
    [Id(2)] public ImmutableDictionary<Role, ImmutableHashSet<Permission>> RolePermissions { get; init; } = ImmutableDictionary<Role, ImmutableHashSet<Permission>>.Empty;

    /// <summary>The permission table a new center starts with.</summary>
    public static readonly ImmutableDictionary<Role, ImmutableHashSet<Permission>> DefaultRolePermissions =
        new Dictionary<Role, ImmutableHashSet<Permission>>
        {
            [Role.Agent] = [Permission.UseAgentDesktop, Permission.CreateTickets, Permission.HandleTickets, Permission.ViewCustomers],
            [Role.TeamLeader] = [Permission.ViewWallboard, Permission.ViewConsole, Permission.ForceAgentState, Permission.Announce, Permission.CreateTickets, Permission.HandleTickets, Permission.ApproveTicketExtensions, Permission.ViewCustomers, Permission.ViewTicketReports],
            [Role.Supervisor] = [Permission.ViewWallboard, Permission.ViewConsole, Permission.ForceAgentState, Permission.ConfigureQueues, Permission.Announce, Permission.CreateTickets, Permission.HandleTickets, Permission.ApproveTicketExtensions, Permission.ViewCustomers, Permission.ManageCustomers, Permission.ViewTicketReports],
            [Role.Department] = [Permission.ViewWallboard, Permission.HandleTickets, Permission.EditKnowledge, Permission.ViewTicketReports],
            [Role.Admin] = [Permission.ViewWallboard, Permission.ViewConsole, Permission.ForceAgentState, Permission.ConfigureQueues, Permission.ViewAudit, Permission.Announce, Permission.CreateTickets, Permission.HandleTickets, Permission.ApproveTicketExtensions, Permission.ViewCustomers, Permission.ManageCustomers, Permission.EditKnowledge, Permission.OperateCluster, Permission.ViewTicketReports],
        }.ToImmutableDictionary();
}

/// <summary>What a signed-in person may do: the roles of their group and the union of those roles' permissions.</summary>
[GenerateSerializer, Immutable, Alias("security.access")]
public sealed record UserAccess(
    [property: Id(0)] UserAccount User,
    [property: Id(1)] ImmutableArray<Role> Roles,
    [property: Id(2)] ImmutableHashSet<Permission> Permissions);

/// <summary>An important operation on the web site (ADM-1): who, what, when, from which address.</summary>
[GenerateSerializer, Immutable, Alias("security.audit-entry")]
public sealed record AuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string User,
    [property: Id(2)] string Action,
    [property: Id(3)] string Target,
    [property: Id(4)] string? Detail,
    [property: Id(5)] string? RemoteAddress);

/// <summary>
/// An audit entry on its way to the database (ADM-1): <see cref="Id"/>, chosen once by the audit log
/// grain, keys the row, so a batch written again after an outage or a spill leaves one row.
/// </summary>
[GenerateSerializer, Immutable, Alias("security.audit-history")]
public sealed record AuditHistoryRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Log,
    [property: Id(2)] AuditEntry Entry);

public static class SecurityKeys
{
    public const string Directory = "security:directory";
    public const string AuditLog = "audit:web";
}

/// <summary>The single writer of the center's users, groups and permission table.</summary>
[Alias("security.directory-grain")]
public interface ISecurityDirectoryGrain : IGrainWithStringKey
{
    [Alias("get")] Task<SecurityDirectory> Get();
    /// <summary>The user's roles and permissions; null when the user is unknown or disabled.</summary>
    [Alias("resolve")] Task<UserAccess?> Resolve(string userName);
    /// <summary>Adds or replaces a group; every role it names must exist in the permission table.</summary>
    [Alias("put-group")] Task PutGroup(UserGroup group);
    /// <summary>Adds or replaces a user; the group must exist.</summary>
    [Alias("put-user")] Task PutUser(UserAccount user);
    [Alias("set-role-permissions")] Task SetRolePermissions(Role role, ImmutableHashSet<Permission> permissions);
    /// <summary>Installs <paramref name="directory"/> only when no user exists yet; true when it did (seeding is idempotent).</summary>
    [Alias("seed")] Task<bool> SeedIfEmpty(SecurityDirectory directory);
}

/// <summary>The audit log of the web site: the most recent entries, newest first.</summary>
[Alias("security.audit-grain")]
public interface IAuditLogGrain : IGrainWithStringKey
{
    public const int Capacity = 1000;

    [Alias("record")] Task Record(AuditEntry entry);
    [Alias("recent")] Task<ImmutableArray<AuditEntry>> Recent(int count);
}
