using System.Collections.Immutable;
using System.Security.Claims;
using CallCenter.Knowledge;
using CallCenter.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Knowledge;

/// <summary>
/// Who keeps which knowledge-base articles (section <c>CallCenter:Web:Knowledge</c>): each editor
/// writes and deletes the articles of their own departments only; admins keep every department's.
/// </summary>
public sealed class KnowledgeEditorOptions
{
    public const string Section = "CallCenter:Web:Knowledge";

    /// <summary>User name -> the departments (as articles name them) whose articles the person keeps.</summary>
    public Dictionary<string, List<string>> Departments { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        // The demo's department user works for billing; the demo articles of Billing are theirs.
        ["department"] = ["Billing"],
    };

    public IReadOnlyList<string> Validate() =>
        [.. Departments.Where(d => d.Value.Count == 0 || d.Value.Any(string.IsNullOrWhiteSpace))
            .Select(d => $"{Section}:Departments:{d.Key} must list one or more departments")];
}

/// <summary>One editor's reach over the knowledge base, pure: which articles the person may save or delete.</summary>
public sealed record KnowledgeEditor(bool AllDepartments, ImmutableArray<string> Departments)
{
    public static KnowledgeEditor Of(ClaimsPrincipal user, KnowledgeEditorOptions options) =>
        new(user.IsInRole(nameof(Role.Admin)),
            options.Departments.TryGetValue(user.Identity?.Name ?? "", out var own) ? [.. own.Select(d => d.Trim())] : []);

    public bool Keeps(string? department) =>
        AllDepartments || (department is not null && Departments.Contains(department.Trim(), StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Why saving an article for <paramref name="department"/> is refused, or null. Both the article's
    /// department before (when it exists) and after must be the editor's: nobody takes over, or
    /// gives away, another department's article.
    /// </summary>
    public string? RefusalToSave(KnowledgeArticle? existing, string? department)
    {
        if (existing is not null && !Keeps(existing.Department))
        {
            return $"{existing.Id} belongs to {existing.Department}; you keep the articles of {Own}.";
        }
        return string.IsNullOrWhiteSpace(department) || Keeps(department)
            ? null // a missing department is the knowledge base's own error to report
            : $"You keep the articles of {Own}, not of {department.Trim()}.";
    }

    public string? RefusalToDelete(KnowledgeArticle existing) =>
        Keeps(existing.Department) ? null : $"{existing.Id} belongs to {existing.Department}; you keep the articles of {Own}.";

    private string Own => AllDepartments ? "every department" : Departments.IsDefaultOrEmpty ? "no department" : string.Join(", ", Departments);
}

public static class KnowledgeWebExtensions
{
    public static WebApplicationBuilder AddKnowledgeEditors(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<KnowledgeEditorOptions>().BindConfiguration(KnowledgeEditorOptions.Section)
            .Validate(o => o.Validate().Count == 0, $"{KnowledgeEditorOptions.Section}: every listed editor needs one or more departments")
            .ValidateOnStart();
        return builder;
    }
}
