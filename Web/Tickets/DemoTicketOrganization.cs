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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo may still be starting when the web host's services start: retry for a while.
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var organization = grains.GetTicketOrganization();
                if ((await organization.Get()).Departments is { IsDefaultOrEmpty: true })
                {
                    await organization.Configure(Departments(options.Value.CenterId), []);
                    logger.LogInformation("Seeded the demo ticket organization ({Count} departments)", Departments(options.Value.CenterId).Length);
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
