using System.Collections.Immutable;

namespace CallCenter.Security;

/// <summary>The directory's rules, pure: what a change must satisfy and what a user may do.</summary>
public static class SecurityDirectoryRules
{
    public static UserAccess? Resolve(SecurityDirectory directory, string userName)
    {
        if (!directory.Users.TryGetValue(userName, out var user) || user.Disabled
            || !directory.Groups.TryGetValue(user.Group, out var group))
        {
            return null;
        }
        var permissions = group.Roles
            .SelectMany(r => directory.RolePermissions.TryGetValue(r, out var p) ? p : [])
            .ToImmutableHashSet();
        return new UserAccess(user, group.Roles, permissions);
    }

    public static SecurityDirectory PutGroup(SecurityDirectory directory, UserGroup group)
    {
        if (string.IsNullOrWhiteSpace(group.Name))
            throw new ArgumentException("A group needs a name.", nameof(group));
        if (group.Roles.IsDefaultOrEmpty)
            throw new ArgumentException($"Group '{group.Name}' grants no role.", nameof(group));
        if (group.Roles.FirstOrDefault(r => !Enum.IsDefined(r)) is var unknown && !Enum.IsDefined(unknown))
            throw new ArgumentException($"Group '{group.Name}' names an unknown role ({(int)unknown}).", nameof(group));
        return directory with { Groups = directory.Groups.SetItem(group.Name, group) };
    }

    public static SecurityDirectory PutUser(SecurityDirectory directory, UserAccount user)
    {
        if (string.IsNullOrWhiteSpace(user.UserName) || user.UserName.Any(char.IsWhiteSpace))
            throw new ArgumentException("A user name must be non-empty and without spaces.", nameof(user));
        if (string.IsNullOrWhiteSpace(user.PasswordHash))
            throw new ArgumentException($"User '{user.UserName}' has no password hash.", nameof(user));
        if (!directory.Groups.ContainsKey(user.Group))
            throw new ArgumentException($"User '{user.UserName}' names unknown group '{user.Group}'.", nameof(user));
        return directory with { Users = directory.Users.SetItem(user.UserName, user) };
    }

    public static SecurityDirectory SetRolePermissions(SecurityDirectory directory, Role role, ImmutableHashSet<Permission> permissions)
    {
        if (!Enum.IsDefined(role))
            throw new ArgumentException($"Unknown role ({(int)role}).", nameof(role));
        if (permissions.FirstOrDefault(p => !Enum.IsDefined(p)) is var unknown && !Enum.IsDefined(unknown))
            throw new ArgumentException($"Unknown permission ({(int)unknown}).", nameof(permissions));
        return directory with { RolePermissions = directory.RolePermissions.SetItem(role, permissions) };
    }

    /// <summary>Checks a whole directory by rebuilding it through the same rules (seeding gets the same checks as edits).</summary>
    public static SecurityDirectory Validated(SecurityDirectory directory)
    {
        var built = new SecurityDirectory();
        foreach (var (role, permissions) in directory.RolePermissions)
            built = SetRolePermissions(built, role, permissions);
        foreach (var group in directory.Groups.Values)
            built = PutGroup(built, group);
        foreach (var user in directory.Users.Values)
            built = PutUser(built, user);
        return built;
    }
}
