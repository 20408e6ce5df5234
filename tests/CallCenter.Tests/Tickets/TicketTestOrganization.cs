using System.Collections.Immutable;
using CallCenter.Tickets;

namespace CallCenter.Tests.Tickets;

/// <summary>A small three-level organization: the center, two bureaus, three handling units.</summary>
internal static class TicketTestOrganization
{
    public static readonly DateTimeOffset Monday = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static readonly ImmutableArray<Department> Departments =
    [
        new("center", "Hotline center", DepartmentLevel.Center, null, "center-head"),
        new("water", "Water bureau", DepartmentLevel.Bureau, "center", "water-head"),
        new("roads", "Roads bureau", DepartmentLevel.Bureau, "center", "roads-head"),
        new("water-north", "Water north unit", DepartmentLevel.Unit, "water", "water-north-head"),
        new("water-south", "Water south unit", DepartmentLevel.Unit, "water", null),
        new("roads-east", "Roads east unit", DepartmentLevel.Unit, "roads", "roads-east-head"),
    ];

    public static Organization Organization { get; } = new(Departments);

    /// <summary>Monday to Friday, 09:00-12:00 and 13:00-18:00 UTC.</summary>
    public static BusinessCalendar OfficeHours { get; } = new TicketOptions().BuildCalendar();

    public static TicketWorkflow Workflow(int handlingMinutes = 480) =>
        new(Organization, new TicketDeadlinePolicy(OfficeHours, 0.8, (_, _) => handlingMinutes), maxExtensionMinutes: 4800);

    public static TicketActor Actor(string department) => new($"p-{department}", department, department == "center" ? "agent" : "handler");

    public static TicketDraft Draft(TicketCategory category = TicketCategory.Complaint, string? flowId = null) => new()
    {
        Category = category,
        Customer = "Li Wei",
        CustomerNumber = "+8613800000000",
        Title = "No water since Monday",
        Content = "The building at 12 River Road has had no water for two days.",
        CenterId = "center",
        CreatedBy = "agent-7",
        FlowId = flowId,
    };
}
