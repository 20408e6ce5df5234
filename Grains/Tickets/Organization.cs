using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>
/// The departments tickets travel between: one center at the top, bureaus below it, handling
/// units below the bureaus (TKT-6). Checked on construction, so the workflow can trust it.
/// </summary>
public sealed class Organization
{
    private readonly ImmutableDictionary<string, Department> _departments;

    public Organization(IEnumerable<Department> departments)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, Department>(StringComparer.Ordinal);
        foreach (var department in departments)
        {
            if (string.IsNullOrWhiteSpace(department.Id))
            {
                throw new ArgumentException("A department needs an id.", nameof(departments));
            }
            if (!builder.TryAdd(department.Id, department))
            {
                throw new ArgumentException($"Department '{department.Id}' is listed twice.", nameof(departments));
            }
        }
        foreach (var department in builder.Values)
        {
            if (department.Level == DepartmentLevel.Center)
            {
                if (department.ParentId is not null)
                {
                    throw new ArgumentException($"The center '{department.Id}' cannot have a parent.", nameof(departments));
                }
                continue;
            }
            if (department.ParentId is null || !builder.TryGetValue(department.ParentId, out var parent))
            {
                throw new ArgumentException($"Department '{department.Id}' names no existing parent.", nameof(departments));
            }
            if (parent.Level != department.Level - 1)
            {
                throw new ArgumentException($"Department '{department.Id}' ({department.Level}) must sit directly below a {department.Level - 1}, not a {parent.Level}.", nameof(departments));
            }
        }
        _departments = builder.ToImmutable();
    }

    public IEnumerable<Department> Departments => _departments.Values;

    public Department? Find(string id) => _departments.GetValueOrDefault(id);

    public Department this[string id] => Find(id) ?? throw new KeyNotFoundException($"No department '{id}'.");

    public bool IsCenter(string id) => Find(id)?.Level == DepartmentLevel.Center;

    public IEnumerable<Department> ChildrenOf(string id) => _departments.Values.Where(d => d.ParentId == id);
}
