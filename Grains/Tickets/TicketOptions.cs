using System.Globalization;

namespace CallCenter.Tickets;

/// <summary>
/// Ticket deadlines and the business calendar, bound from the "Tickets" configuration section.
/// Working hours are "HH:mm-HH:mm" lists per weekday; holidays are "yyyy-MM-dd" (one-off) or
/// "MM-dd" (every year).
/// </summary>
public sealed class TicketOptions
{
    public const string Section = "Tickets";

    public string TimeZone { get; set; } = "UTC";

    public Dictionary<string, string> WorkingHours { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Monday"] = "09:00-12:00,13:00-18:00",
        ["Tuesday"] = "09:00-12:00,13:00-18:00",
        ["Wednesday"] = "09:00-12:00,13:00-18:00",
        ["Thursday"] = "09:00-12:00,13:00-18:00",
        ["Friday"] = "09:00-12:00,13:00-18:00",
    };

    public List<string> Holidays { get; set; } = ["01-01"];

    /// <summary>Handling period per category, in business minutes.</summary>
    public Dictionary<TicketCategory, int> HandlingMinutes { get; set; } = new()
    {
        [TicketCategory.Consultation] = 8 * 60,
        [TicketCategory.Complaint] = 3 * 8 * 60,
        [TicketCategory.Suggestion] = 5 * 8 * 60,
        [TicketCategory.Repair] = 2 * 8 * 60,
        [TicketCategory.Praise] = 8 * 60,
    };

    /// <summary>Urgent tickets get this share of their category's handling period.</summary>
    public double UrgentShare { get; set; } = 0.5;

    /// <summary>The handler is warned when this share of the handling period (in business time) has passed.</summary>
    public double WarningShare { get; set; } = 0.8;

    /// <summary>The person told about every escalation, besides the department head (the center's supervisor).</summary>
    public string Supervisor { get; set; } = "supervisor";

    /// <summary>The longest extension a handler may ask for, in business minutes.</summary>
    public int MaxExtensionMinutes { get; set; } = 10 * 8 * 60;

    /// <summary>
    /// How often a ticket's reminder ticks again after its alert instant until the alert is raised.
    /// The reminder's first tick is the alert instant itself; the period bounds how late an alert
    /// is when that tick was missed (the cluster was down, or the tick was skipped). Orleans'
    /// minimum reminder period is lowered to this when it is shorter than a minute.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Every problem with the options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        try
        {
            _ = BuildCalendar();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add($"{Section}: {ex.Message}");
        }
        foreach (var category in Enum.GetValues<TicketCategory>())
        {
            if (!HandlingMinutes.TryGetValue(category, out var minutes) || minutes <= 0)
            {
                errors.Add($"{Section}:HandlingMinutes:{category} must be a positive number of business minutes.");
            }
        }
        if (!(WarningShare > 0 && WarningShare < 1))
        {
            errors.Add($"{Section}:WarningShare must be between 0 and 1 (exclusive), not {WarningShare}.");
        }
        if (!(UrgentShare > 0 && UrgentShare <= 1))
        {
            errors.Add($"{Section}:UrgentShare must be in (0, 1], not {UrgentShare}.");
        }
        if (MaxExtensionMinutes <= 0)
        {
            errors.Add($"{Section}:MaxExtensionMinutes must be positive.");
        }
        if (ReminderPeriod < TimeSpan.FromSeconds(1) || ReminderPeriod > TimeSpan.FromDays(1))
        {
            errors.Add($"{Section}:ReminderPeriod must be between 00:00:01 and 1.00:00:00, not {ReminderPeriod}.");
        }
        if (string.IsNullOrWhiteSpace(Supervisor))
        {
            errors.Add($"{Section}:Supervisor names no one.");
        }
        return errors;
    }

    public BusinessCalendar BuildCalendar()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var week = new Dictionary<DayOfWeek, IReadOnlyList<WorkingHours>>();
        foreach (var (name, text) in WorkingHours)
        {
            if (!Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var day) || !Enum.IsDefined(day))
            {
                throw new FormatException($"'{name}' is not a weekday.");
            }
            week[day] = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(Tickets.WorkingHours.Parse)
                .ToList();
        }
        var oneOff = new List<DateOnly>();
        var recurring = new List<(int, int)>();
        foreach (var holiday in Holidays)
        {
            if (DateOnly.TryParseExact(holiday, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                oneOff.Add(date);
            }
            else if (DateOnly.TryParseExact("2000-" + holiday, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var yearly))
            {
                recurring.Add((yearly.Month, yearly.Day));
            }
            else
            {
                throw new FormatException($"Holiday '{holiday}' is neither yyyy-MM-dd nor MM-dd.");
            }
        }
        return new BusinessCalendar(zone, week, oneOff, recurring);
    }
}
