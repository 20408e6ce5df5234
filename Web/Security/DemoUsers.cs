using System.Collections.Immutable;
using CallCenter.Agents;
using CallCenter.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Security;

/// <summary>
/// The embedded default's people, one per role (the README lists them). The password of each is
/// "demo-" + the user name; they are seeded only into an empty directory.
/// </summary>
public sealed class DemoUsers(IGrainFactory grains, IOptions<WebOptions> options, ILogger<DemoUsers> logger) : IHostedService
{
    public const string DeskAgentId = "desk-01";

    public static readonly ImmutableArray<(string UserName, string DisplayName, Role Role, string? AgentId)> People =
    [
        ("agent", "Desk agent Li", Role.Agent, DeskAgentId),
        ("leader", "Team leader Wang", Role.TeamLeader, null),
        ("supervisor", "Supervisor Zhang", Role.Supervisor, null),
        ("department", "Billing department", Role.Department, null),
        ("admin", "Administrator", Role.Admin, null),
    ];

    public static string PasswordOf(string userName) => "demo-" + userName;

    public static SecurityDirectory Directory()
    {
        var hasher = new PasswordHasher<UserAccount>();
        var groups = Enum.GetValues<Role>().ToImmutableDictionary(r => GroupOf(r), r => new UserGroup(GroupOf(r), [r]), StringComparer.OrdinalIgnoreCase);
        var users = People.ToImmutableDictionary(p => p.UserName, p =>
        {
            var user = new UserAccount { UserName = p.UserName, DisplayName = p.DisplayName, PasswordHash = "-", Group = GroupOf(p.Role), AgentId = p.AgentId };
            return user with { PasswordHash = hasher.HashPassword(user, PasswordOf(p.UserName)) };
        }, StringComparer.OrdinalIgnoreCase);
        return new SecurityDirectory { Users = users, Groups = groups, RolePermissions = SecurityDirectory.DefaultRolePermissions };
    }

    public static string GroupOf(Role role) => role.ToString().ToLowerInvariant() + "s";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await grains.GetGrain<ISecurityDirectoryGrain>(SecurityKeys.Directory).SeedIfEmpty(Directory()))
        {
            logger.LogInformation("Seeded {Count} demo users (password: demo-<user name>)", People.Length);
        }
        var queues = options.Value.DemoDeskQueues;
        if (queues.Count > 0)
        {
            // The desk agent belongs to the demo's queues but has no simulated phone: a person answers on the desktop.
            await grains.GetAgent(DeskAgentId).Configure(new AgentProfile
            {
                Id = DeskAgentId,
                Name = "Desk agent Li",
                Queues = queues.ToImmutableDictionary(StringComparer.Ordinal),
            });
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
