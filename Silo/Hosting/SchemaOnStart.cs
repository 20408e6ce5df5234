using CallCenter.Silo.Storage;

namespace CallCenter.Silo;

/// <summary>
/// Applies the versioned schema before the silo starts (registered ahead of Orleans, so hosted
/// services start it first). Several silos starting at once wait on the migrator's advisory lock.
/// </summary>
public sealed class SchemaOnStart(string connectionString, ILogger<SchemaOnStart> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await SchemaMigrator.ApplyAsync(connectionString, logger, cancellationToken);
        logger.LogInformation("Schema up to date ({Count} script(s) applied now)", applied.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
