using System.Collections.Immutable;
using CallCenter.Tickets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Tickets;

/// <summary>
/// A small three-level organization (TKT-6) for the embedded default, so the ticket screens work
/// out of the box: the hotline center, a billing bureau with its counter, a utilities bureau with
/// the water works and the power grid. Seeded only when no organization is configured.
/// </summary>
public sealed class DemoTicketOrganization(IGrainFactory grains, IOptions<TicketDeskOptions> options, ILogger<DemoTicketOrganization> logger) : BackgroundService
{
    public const string CenterId = "center";
    public const string BillingBureau = "billing";
    public const string BillingCounter = "billing-counter";

    public static ImmutableArray<Department> Departments(string centerId) =>
    [
        new(centerId, "Hotline center", DepartmentLevel.Center, null, "supervisor"),
        new(BillingBureau, "Billing department", DepartmentLevel.Bureau, centerId, "department"),
        new(BillingCounter, "Billing counter", DepartmentLevel.Unit, BillingBureau, null),
        new("utilities", "Utilities bureau", DepartmentLevel.Bureau, centerId, null),
        new("water", "Water works", DepartmentLevel.Unit, "utilities", null),
        new("power", "Power grid", DepartmentLevel.Unit, "utilities", null),
    ];

    public const string RefundFlow = "refund-approval";

    /// <summary>
    /// A flow defined as data (TKT-2) for the demo: the billing department checks the refund, then the
    /// center's supervisor (by role) and the billing head (by person) countersign it.
    /// </summary>
    public static ImmutableArray<FlowDefinition> Flows { get; } =
    [
        new(RefundFlow,
        [
            new FlowStep("Billing check", FlowStepMode.Parallel, [new FlowAssignee(FlowAssigneeKind.Department, BillingBureau)]),
            new FlowStep("Refund sign-off", FlowStepMode.Countersign, [new FlowAssignee(FlowAssigneeKind.Role, "Supervisor"), new FlowAssignee(FlowAssigneeKind.Person, "department")]),
        ]),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo may still be starting when the web host's services start: retry for a while.
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var organization = grains.GetTicketOrganization();
                var current = await organization.Get();
                if (current.Departments.IsDefaultOrEmpty)
                {
                    await organization.Configure(Departments(options.Value.CenterId), Flows);
                    logger.LogInformation("Seeded the demo ticket organization ({Count} departments)", Departments(options.Value.CenterId).Length);
                }
                else if (current.Flows.IsDefaultOrEmpty && current.Departments.Any(d => d.Id == BillingBureau))
                {
                    // The silo's demo may have seeded the departments first; the demo flows go beside them.
                    await organization.Configure(current.Departments, Flows);
                    logger.LogInformation("Seeded the demo ticket flows ({Count})", Flows.Length);
                }
                return;
            }
            catch (Exception ex) when (attempt < 60 && ex is not OperationCanceledException)
            {
                logger.LogDebug(ex, "Ticket organization not reachable yet (attempt {Attempt})", attempt);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
