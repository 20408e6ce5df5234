using System.Collections.Immutable;

namespace CallCenter.Web.Tickets;

/// <summary>
/// The ticket screens' settings (section <c>CallCenter:Web:Tickets</c>): which departments of the
/// ticket organization each person acts for. People not listed who may register tickets act for the center.
/// </summary>
public sealed class TicketDeskOptions
{
    public const string Section = "CallCenter:Web:Tickets";

    /// <summary>The center's department id: tickets are registered there (the top level).</summary>
    public string CenterId { get; set; } = DemoTicketOrganization.CenterId;

    /// <summary>User name -> the departments the person acts for, the first being their home desk.</summary>
    public Dictionary<string, List<string>> Desks { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        // The demo's department user works at the billing bureau and its counter (one login per level is more than a demo needs).
        ["department"] = [DemoTicketOrganization.BillingBureau, DemoTicketOrganization.BillingCounter],
    };

    /// <summary>Seed the small demo organization when none is configured; unset follows <see cref="WebOptions.SeedDemoUsers"/>.</summary>
    public bool? SeedDemoOrganization { get; set; }

    /// <summary>Channels a ticket's answer can reach the customer by (TKT-4).</summary>
    public List<string> AnswerChannels { get; set; } = ["phone", "sms", "e-mail"];

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(CenterId))
            errors.Add($"{Section}:CenterId names no department");
        foreach (var (user, departments) in Desks)
        {
            if (departments.Count == 0 || departments.Any(string.IsNullOrWhiteSpace))
                errors.Add($"{Section}:Desks:{user} must list one or more department ids");
        }
        if (AnswerChannels.Count == 0 || AnswerChannels.Any(string.IsNullOrWhiteSpace))
            errors.Add($"{Section}:AnswerChannels must list one or more channels");
        return errors;
    }

    /// <summary>The departments <paramref name="userName"/> acts for: listed desks, else the center for people who register tickets, else none.</summary>
    public ImmutableArray<string> DesksOf(string userName, bool registersTickets) =>
        Desks.TryGetValue(userName, out var listed) ? [.. listed]
        : registersTickets ? [CenterId]
        : [];
}
