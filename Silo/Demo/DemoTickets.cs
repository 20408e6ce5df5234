using System.Collections.Immutable;
using CallCenter.Tickets;

namespace CallCenter.Silo.Demo;

/// <summary>
/// The demo ticket organization (TKT-6): the hotline center, two bureaus and four handling units.
/// Heads are person ids, the same as the web site's demo user names, so that "supervisor" (the
/// center's head and the supervisor every escalation reaches), "leader" (head of the customer
/// service bureau) and "department" (head of the billing unit) see tickets in their inboxes.
/// </summary>
public static class DemoTickets
{
    public const string Center = "center";
    public const string CustomerService = "customer-service";
    public const string Billing = "billing";

    public static ImmutableArray<Department> Departments { get; } =
    [
        new(Center, "Hotline center", DepartmentLevel.Center, null, "supervisor"),
        new(CustomerService, "Customer service bureau", DepartmentLevel.Bureau, Center, "leader"),
        new("technical", "Technical bureau", DepartmentLevel.Bureau, Center, "technical-head"),
        new(Billing, "Billing department", DepartmentLevel.Unit, CustomerService, "department"),
        new("complaints", "Complaints desk", DepartmentLevel.Unit, CustomerService, "complaints-head"),
        new("field-repair", "Field repair unit", DepartmentLevel.Unit, "technical", "repair-head"),
        new("network", "Network operations unit", DepartmentLevel.Unit, "technical", "network-head"),
    ];

    /// <summary>Configures the organization (<see cref="Departments"/> unless given) unless one is there already (an administrator's changes stay).</summary>
    public static async Task<bool> SeedAsync(IGrainFactory grains, ImmutableArray<Department>? departments = null)
    {
        var organization = grains.GetTicketOrganization();
        var current = await organization.Get();
        if (!current.Departments.IsDefaultOrEmpty)
        {
            return false;
        }
        await organization.Configure(departments ?? Departments, []);
        return true;
    }
}
