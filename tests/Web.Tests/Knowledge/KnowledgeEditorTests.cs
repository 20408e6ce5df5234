using System.Collections.Immutable;
using System.Security.Claims;
using CallCenter.Knowledge;
using CallCenter.Security;
using CallCenter.Web.Knowledge;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Knowledge;

/// <summary>Who may save or delete which article: an editor their own departments' only, an admin every one.</summary>
public sealed class KnowledgeEditorTests
{
    private static readonly string[] AllDepartments = ["Billing", "Water", "Power", "Gas"];

    private static KnowledgeArticle Article(string department) =>
        new() { Id = "kb-1", Title = "t", Body = "b", Department = department };

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property An_editor_saves_and_deletes_exactly_the_articles_of_their_departments() =>
        Prop.ForAll(
            (from own in Gen.SubListOf(AllDepartments)
             from before in Gen.Elements(AllDepartments.Append(null).ToArray())
             from after in Gen.Elements(AllDepartments)
             from shout in Gen.Elements(false, true)
             select (own, before, after, shout)).ToArbitrary(),
            c =>
            {
                var (own, before, after, shout) = c;
                var editor = new KnowledgeEditor(false, [.. own]);
                // Departments are matched whatever their case and surrounding spaces.
                var typed = shout ? $" {after.ToUpperInvariant()} " : after;
                var existing = before is null ? null : Article(before);
                var mayKeep = (before is null || own.Contains(before)) && own.Contains(after);
                Assert.Equal(mayKeep, editor.RefusalToSave(existing, typed) is null);
                if (existing is not null)
                {
                    Assert.Equal(own.Contains(before!), editor.RefusalToDelete(existing) is null);
                }
                var admin = new KnowledgeEditor(true, []);
                Assert.Null(admin.RefusalToSave(existing, typed));
                Assert.True(existing is null || admin.RefusalToDelete(existing) is null);
            });

    [Fact]
    public void The_refusal_names_the_editors_own_departments()
    {
        var editor = new KnowledgeEditor(false, ["Billing"]);
        Assert.Equal("You keep the articles of Billing, not of Water.", editor.RefusalToSave(null, "Water"));
        Assert.Equal("kb-1 belongs to Water; you keep the articles of Billing.", editor.RefusalToSave(Article("Water"), "Billing"));
        Assert.Contains("no department", new KnowledgeEditor(false, []).RefusalToSave(null, "Water"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_editor_is_read_from_the_options_and_an_admin_keeps_everything()
    {
        var options = new KnowledgeEditorOptions();
        static ClaimsPrincipal Person(string name, Role role) =>
            new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role.ToString())], "test"));
        var editor = KnowledgeEditor.Of(Person("department", Role.Department), options);
        Assert.Equal("Billing", string.Join(",", editor.Departments));
        Assert.True(editor.Keeps(" billing ") && !editor.Keeps("Water") && !editor.AllDepartments);
        Assert.False(KnowledgeEditor.Of(Person("someone", Role.Department), options).Keeps("Billing"));
        Assert.True(KnowledgeEditor.Of(Person("admin", Role.Admin), options).Keeps("Water"));
        Assert.Contains("must list one or more", new KnowledgeEditorOptions { Departments = new() { ["x"] = [] } }.Validate().Single(), StringComparison.Ordinal);
    }
}
