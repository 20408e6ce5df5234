using System.Collections.Immutable;
using CallCenter.Hosting;

namespace CallCenter.Security;

[GenerateSerializer, Alias("security.directory-record")]
public sealed class SecurityDirectoryRecord
{
    [Id(0)] public SecurityDirectory Directory { get; set; } = new();
}

/// <summary>Users, groups and the permission table (ADM-1). Always persisted: people must be able to log in after a restart.</summary>
public sealed class SecurityDirectoryGrain(
    [PersistentState("securityDirectory", CallCenterSiloExtensions.StorageName)] IPersistentState<SecurityDirectoryRecord> record)
    : Grain, ISecurityDirectoryGrain
{
    public Task<SecurityDirectory> Get() => Task.FromResult(record.State.Directory);

    public Task<UserAccess?> Resolve(string userName) => Task.FromResult(SecurityDirectoryRules.Resolve(record.State.Directory, userName));

    public Task PutGroup(UserGroup group) => Save(SecurityDirectoryRules.PutGroup(record.State.Directory, group));

    public Task PutUser(UserAccount user) => Save(SecurityDirectoryRules.PutUser(record.State.Directory, user));

    public Task SetRolePermissions(Role role, ImmutableHashSet<Permission> permissions) =>
        Save(SecurityDirectoryRules.SetRolePermissions(record.State.Directory, role, permissions));

    public async Task<bool> SeedIfEmpty(SecurityDirectory directory)
    {
        if (!record.State.Directory.Users.IsEmpty)
        {
            return false;
        }
        await Save(SecurityDirectoryRules.Validated(directory));
        return true;
    }

    // The rules throw before anything changes, so bad input leaves the stored directory as it was.
    private async Task Save(SecurityDirectory changed)
    {
        record.State.Directory = changed;
        await record.WriteStateAsync();
    }
}
