using CallCenter.Calls;
using CallCenter.History;

namespace CallCenter.Silo.History;

public static class HistoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PostgresHistoryWriter"/> as the silo's <see cref="ICallDetailRecordSink"/>
    /// and <see cref="IHistorySink"/> (one singleton for both) and as a hosted service. Call it
    /// before <c>AddCallCenter</c>, which only adds its in-memory defaults when nothing is registered.
    /// The history tables must exist (deploy/sql/0010-history.sql); until they do, records are
    /// buffered and spilled like during an outage.
    /// </summary>
    public static IServiceCollection AddPostgresHistory(this IServiceCollection services, HistoryWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid history writer options: " + string.Join("; ", errors), nameof(options));
        }
        services.AddSingleton(sp => new PostgresHistoryWriter(options, sp.GetService<ILogger<PostgresHistoryWriter>>()));
        services.AddSingleton<ICallDetailRecordSink>(sp => sp.GetRequiredService<PostgresHistoryWriter>());
        services.AddSingleton<IHistorySink>(sp => sp.GetRequiredService<PostgresHistoryWriter>());
        services.AddSingleton<CallCenter.Tickets.ITicketHistorySink>(sp => sp.GetRequiredService<PostgresHistoryWriter>());
        services.AddSingleton<ICallRecordLookup>(sp => sp.GetRequiredService<PostgresHistoryWriter>());
        services.AddSingleton<IAuditHistorySink>(sp => sp.GetRequiredService<PostgresHistoryWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresHistoryWriter>());
        return services;
    }
}
