using System.Collections.Immutable;
using CallCenter.Security;
using CallCenter.Web.Security;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Identity;

namespace CallCenter.Web.Tests.Security;

public sealed class SecurityDirectoryRulesTests
{
    private static readonly SecurityDirectory Demo = SecurityDirectoryRules.Validated(DemoUsers.Directory());

    [Fact]
    public void Every_demo_person_resolves_to_their_role_and_its_permissions_and_the_password_hash_verifies()
    {
        var hasher = new PasswordHasher<UserAccount>();
        foreach (var person in DemoUsers.People)
        {
            var access = SecurityDirectoryRules.Resolve(Demo, person.UserName)!;
            Assert.Equal([person.Role], access.Roles.ToArray());
            Assert.Equal(SecurityDirectory.DefaultRolePermissions[person.Role], access.Permissions);
            Assert.NotEqual(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(access.User, access.User.PasswordHash, DemoUsers.PasswordOf(person.UserName)));
            Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(access.User, access.User.PasswordHash, "wrong"));
            Assert.DoesNotContain(DemoUsers.PasswordOf(person.UserName), access.User.PasswordHash, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_person_in_a_group_of_several_roles_gets_the_union_of_their_permissions_and_a_disabled_one_gets_nothing()
    {
        var directory = SecurityDirectoryRules.PutGroup(Demo, new UserGroup("leaders-on-phones", [Role.Agent, Role.TeamLeader]));
        directory = SecurityDirectoryRules.PutUser(directory, new UserAccount { UserName = "li", PasswordHash = "x", Group = "leaders-on-phones" });
        var access = SecurityDirectoryRules.Resolve(directory, "LI")!;
        Assert.Equal(SecurityDirectory.DefaultRolePermissions[Role.Agent].Union(SecurityDirectory.DefaultRolePermissions[Role.TeamLeader]), access.Permissions);
        directory = SecurityDirectoryRules.PutUser(directory, access.User with { Disabled = true });
        Assert.Null(SecurityDirectoryRules.Resolve(directory, "li"));
    }

    /// <summary>Bad input (unknown group, blank name or hash, a group without roles) is refused with a clear error and the directory stays as it was.</summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Bad_users_and_groups_are_refused_and_change_nothing()
    {
        var names = Gen.Elements("", " ", "a b", "ok", "admin");
        var groups = Gen.Elements("admins", "agents", "nope", "");
        var hashes = Gen.Elements("", "hash");
        return Prop.ForAll(names.ToArbitrary(), groups.ToArbitrary(), hashes.ToArbitrary(), (name, group, hash) =>
        {
            var user = new UserAccount { UserName = name, PasswordHash = hash, Group = group };
            var valid = name is "ok" or "admin" && hash == "hash" && group is "admins" or "agents";
            try
            {
                var changed = SecurityDirectoryRules.PutUser(Demo, user);
                return valid && changed.Users[name] == user;
            }
            catch (ArgumentException ex)
            {
                return !valid && ex.Message.Length > 0 && Demo.Users.Count == DemoUsers.People.Length;
            }
        });
    }

    [Fact]
    public void A_group_without_roles_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SecurityDirectoryRules.PutGroup(Demo, new UserGroup("empty", [])));
        Assert.Throws<ArgumentException>(() => SecurityDirectoryRules.PutGroup(Demo, new UserGroup("odd", [(Role)42])));
        Assert.Throws<ArgumentException>(() => SecurityDirectoryRules.SetRolePermissions(Demo, Role.Admin, [(Permission)99]));
    }
}
