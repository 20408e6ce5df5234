using CallCenter.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace CallCenter.Silo.Storage;

/// <summary>
/// PostgreSQL as the Orleans store, through the ADO.NET providers: membership (clustering), grain
/// state and reminders. The providers run the statements of the OrleansQuery table, which
/// <see cref="SchemaMigrator"/> creates from deploy/sql/; apply the schema before the silo starts.
/// </summary>
public static class PostgresStorageExtensions
{
    /// <summary>ADO.NET provider invariant name of Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Membership, grain storage "<see cref="CallCenterSiloExtensions.StorageName"/>" and reminders in
    /// PostgreSQL. Cluster and service ids (ClusterOptions) and endpoints are configured separately.
    /// Grain state is written with the Orleans serializer (the [GenerateSerializer]/[Id] contract of
    /// the state classes), not JSON.
    /// </summary>
    /// <param name="storageConcurrency">
    /// Grain storage operations this silo runs at once (<see cref="StorageGate"/>); the rest queue in
    /// memory. 0 (the default) sizes it from the connection string: <see cref="DefaultStorageConcurrency"/>.
    /// </param>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, string connectionString, int storageConcurrency = 0)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentOutOfRangeException.ThrowIfNegative(storageConcurrency);
        var gate = new StorageGate(storageConcurrency > 0 ? storageConcurrency : DefaultStorageConcurrency(connectionString));
        silo.Services.AddSingleton(gate);

        silo.UseAdoNetClustering((AdoNetClusteringSiloOptions options) =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });

        silo.AddAdoNetGrainStorage(CallCenterSiloExtensions.StorageName, (AdoNetGrainStorageOptions options) =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
            // A call's state is cleared when its record is durable: delete the row, so the
            // table holds live calls only, not one row per call ever taken.
            options.DeleteStateOnClear = true;
        });
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(CallCenterSiloExtensions.StorageName)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        // The last keyed registration wins: the same provider, behind the gate. Its life-cycle
        // participant (registered by AddAdoNetGrainStorage) resolves this one and is forwarded.
        silo.Services.AddKeyedSingleton<IGrainStorage>(CallCenterSiloExtensions.StorageName, (sp, _) =>
            new GatedGrainStorage(AdoNetGrainStorageFactory.Create(sp, CallCenterSiloExtensions.StorageName), sp.GetRequiredService<StorageGate>()));

        silo.UseAdoNetReminderService((AdoNetReminderTableOptions options) =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>
    /// Storage operations in flight per silo when not configured: the pool's size less room for the
    /// history writer, record look-ups, membership and reminders (8 connections), and at most 32 —
    /// beyond a few dozen concurrent statements PostgreSQL only queues them itself, on its own cores.
    /// </summary>
    public static int DefaultStorageConcurrency(string connectionString)
    {
        var pool = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize;
        return Math.Clamp(pool - 8, 1, 32);
    }

    /// <summary>
    /// For processes that join the cluster as Orleans clients (web, SIP gateway): find the gateways
    /// in the PostgreSQL membership table. Configure the same ClusterOptions as the silos.
    /// </summary>
    public static IClientBuilder UsePostgresClustering(this IClientBuilder client, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        client.UseAdoNetClustering((AdoNetClusteringClientOptions options) =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        return client;
    }
}
