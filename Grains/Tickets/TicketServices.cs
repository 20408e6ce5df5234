using CallCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;

namespace CallCenter.Tickets;

/// <summary>The business calendar and deadline policy built once from <see cref="TicketOptions"/>.</summary>
public sealed class TicketServices
{
    public TicketServices(IOptions<TicketOptions> options)
    {
        Options = options.Value;
        Calendar = Options.BuildCalendar();
        Deadlines = new TicketDeadlinePolicy(Calendar, Options);
    }

    public TicketOptions Options { get; }

    public BusinessCalendar Calendar { get; }

    public TicketDeadlinePolicy Deadlines { get; }
}

public sealed class TicketOptionsValidator : IValidateOptions<TicketOptions>
{
    public ValidateOptionsResult Validate(string? name, TicketOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}

public static class TicketSiloExtensions
{
    /// <summary>
    /// Ticket services: options bound from the "Tickets" section and validated at start-up. With
    /// <paramref name="memoryReminders"/> the silo keeps reminders in memory (the embedded default);
    /// otherwise the host registers a durable reminder service (PostgreSQL) and, to search closed
    /// tickets, an <see cref="ITicketArchive"/> over the history.
    /// </summary>
    public static ISiloBuilder AddTickets(this ISiloBuilder silo, bool memoryReminders)
    {
        if (memoryReminders)
        {
            silo.UseInMemoryReminderService();
            // Memory mode has no history database: the grains index tickets for searches and reports.
            silo.Services.TryAddSingleton<ITicketArchive, GrainTicketArchive>();
        }
        silo.Services.TryAddSingleton<ITicketArchive, MissingTicketArchive>();
        silo.Services.AddOptions<TicketOptions>().BindConfiguration(TicketOptions.Section).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TicketOptions>, TicketOptionsValidator>());
        silo.Services.TryAddSingleton<TicketServices>();
        silo.Services.TryAddSingleton<ITicketHistorySink, DiscardingTicketHistorySink>();
        silo.Services.AddOptions<CallbackTicketOptions>().BindConfiguration(CallbackTicketOptions.Section);
        silo.Services.TryAddSingleton<ICallbackTicketIntake, CallbackTicketIntake>();
        // A ticket reminder's period may be shorter than Orleans' default minimum (one minute).
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<TicketOptions>>((reminders, tickets) =>
        {
            if (tickets.Value.ReminderPeriod < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = tickets.Value.ReminderPeriod;
            }
        });
        return silo;
    }

    internal const string StorageName = CallCenterSiloExtensions.StorageName;
}

/// <summary>Where ticket events go for the reports (PostgreSQL history in production). Must not block.</summary>
public interface ITicketHistorySink
{
    ValueTask WriteAsync(TicketEvent ticketEvent);
}

public sealed class DiscardingTicketHistorySink : ITicketHistorySink
{
    public ValueTask WriteAsync(TicketEvent ticketEvent) => ValueTask.CompletedTask;
}
