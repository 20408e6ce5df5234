using System.Reflection;
using System.Text.RegularExpressions;
using CallCenter.Silo.Storage;
using Orleans.Configuration;
using Orleans.Storage;

namespace CallCenter.Database.Tests.OrleansStore;

/// <summary>
/// The OrleansQuery catalogue against what the 10.4.2 provider assemblies themselves ask for:
/// the key lists come from the providers by reflection, and the providers' own start-up check
/// (the internal DbStoredQueries constructor that throws "Not all required queries found") is run
/// on what our scripts stored.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ProviderQueryTests(PostgresFixture postgres)
{
    private static readonly Assembly Clustering = typeof(AdoNetClusteringSiloOptions).Assembly;
    private static readonly Assembly Reminders = typeof(AdoNetReminderTableOptions).Assembly;
    private static readonly Assembly Persistence = typeof(AdoNetGrainStorageOptions).Assembly;

    /// <summary>Keys the 10.4.2 clustering provider reads when present but does not require.</summary>
    private static readonly string[] OptionalClusteringKeys = ["CleanupDefunctSiloEntryKey"];

    /// <summary>Keys the 10.4.2 grain storage reads when present but does not require (needed for DeleteStateOnClear).</summary>
    private static readonly string[] OptionalStorageKeys = ["DeleteStorageKey"];

    /// <summary>Parameters the 10.4.2 grain storage binds (string literals in AdoNetGrainStorage).</summary>
    private static readonly string[] StorageParameters =
        ["GrainIdHash", "GrainIdN0", "GrainIdN1", "GrainTypeHash", "GrainTypeString", "GrainIdExtensionString", "ServiceId", "GrainStateVersion", "PayloadBinary"];

    [Fact]
    public async Task Every_query_the_providers_ask_for_is_stored_with_text()
    {
        var queries = await StoredQueriesAsync();

        var required = RequiredKeys(Clustering).Concat(RequiredKeys(Reminders)).Concat(RequiredStorageKeys()).ToArray();
        Assert.Equal(9 + 7 + 3, required.Length);   // the 10.4.2 sets: membership 9, reminders 7, storage 3
        foreach (var key in required.Concat(OptionalClusteringKeys).Concat(OptionalStorageKeys))
        {
            Assert.True(queries.TryGetValue(key, out var text), $"OrleansQuery has no {key}");
            Assert.False(string.IsNullOrWhiteSpace(text), $"OrleansQuery.{key} is empty");
        }
        // Nothing else: a misspelt key would sit there unused while the provider misses the real one.
        Assert.Empty(queries.Keys.Except(required).Except(OptionalClusteringKeys).Except(OptionalStorageKeys));
    }

    [Fact]
    public async Task The_providers_own_start_up_check_accepts_the_catalogue()
    {
        var queries = await StoredQueriesAsync();
        foreach (var assembly in new[] { Clustering, Reminders })
        {
            var type = StoredQueriesType(assembly);
            var constructor = type.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, [typeof(Dictionary<string, string>)])
                ?? throw new InvalidOperationException($"{type.FullName} has no (Dictionary<string, string>) constructor");
            var instance = constructor.Invoke([queries]);   // throws "Not all required queries found" on a gap
            Assert.NotNull(instance);

            // And the check does fail on a gap (so this test would see one).
            var partial = new Dictionary<string, string>(queries);
            partial.Remove(RequiredKeys(assembly).First());
            var error = Assert.Throws<TargetInvocationException>(() => constructor.Invoke([partial]));
            Assert.Contains("Not all required queries found", error.InnerException?.Message);
        }
    }

    [Fact]
    public async Task Queries_use_only_parameters_the_providers_bind()
    {
        var queries = await StoredQueriesAsync();
        // Clustering and reminders bind parameters through DbStoredQueries.Columns, one property each.
        var columns = new[] { Clustering, Reminders }
            .SelectMany(a => StoredQueriesType(a).GetNestedType("Columns", BindingFlags.NonPublic)!
                .GetProperties(BindingFlags.Instance | BindingFlags.NonPublic).Select(p => p.Name))
            .Concat(["Address", "Port", "Generation"])   // what the SiloAddress property expands to
            .ToHashSet(StringComparer.Ordinal);
        var storageKeys = RequiredStorageKeys().Concat(OptionalStorageKeys).ToHashSet(StringComparer.Ordinal);

        foreach (var (key, text) in queries)
        {
            var allowed = storageKeys.Contains(key) ? StorageParameters.ToHashSet(StringComparer.Ordinal) : columns;
            foreach (Match parameter in Parameter().Matches(text))
            {
                Assert.True(allowed.Contains(parameter.Groups[1].Value), $"OrleansQuery.{key} uses @{parameter.Groups[1].Value}, which the provider never binds");
            }
        }
    }

    private async Task<Dictionary<string, string>> StoredQueriesAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var rows = await PostgresSilo.RowsAsync(connectionString, "SELECT QueryKey, QueryText FROM OrleansQuery");
        return rows.ToDictionary(r => (string)r[0]!, r => (string)r[1]!, StringComparer.Ordinal);
    }

    private static Type StoredQueriesType(Assembly assembly) =>
        assembly.GetTypes().SingleOrDefault(t => t.Name == "DbStoredQueries")
        ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no DbStoredQueries type");

    /// <summary>The provider's required keys: DbStoredQueries checks for one key per non-public instance property.</summary>
    private static string[] RequiredKeys(Assembly assembly) =>
        StoredQueriesType(assembly).GetProperties(BindingFlags.Instance | BindingFlags.NonPublic).Select(p => p.Name).ToArray();

    /// <summary>The grain storage's keys, from the query it loads them with (each one read with Single()).</summary>
    private static string[] RequiredStorageKeys()
    {
        var query = (string?)typeof(AdoNetGrainStorage).GetField("DefaultInitializationQuery", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue()
            ?? throw new InvalidOperationException("AdoNetGrainStorage.DefaultInitializationQuery not found");
        return QueryKeyLiteral().Matches(query).Select(m => m.Groups[1].Value).Except(OptionalStorageKeys).ToArray();
    }

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"QueryKey = '(\w+)'")]
    private static partial Regex QueryKeyLiteral();
}
