using System.Diagnostics;
using Npgsql;

namespace CallCenter.Database.Tests;

/// <summary>
/// One real PostgreSQL server for the test run, started by scripts/pg.sh in a temporary folder on
/// a free loopback port and stopped at the end. Each test asks for a fresh, empty database.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private string _dataDirectory = "";
    private string _serverConnectionString = "";
    private int _databases;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public string ServerConnectionString => _serverConnectionString;

    public async Task InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), $"callcenter-pg-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _serverConnectionString = (await RunScriptAsync("start", _dataDirectory)).Trim();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunScriptAsync("stop", _dataDirectory);
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = "postgres" }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops the server (to simulate an outage); <see cref="StartAsync"/> brings it back on the same port.</summary>
    public Task StopAsync()
    {
        NpgsqlConnection.ClearAllPools();
        return RunScriptAsync("stop", _dataDirectory);
    }

    public Task StartAsync() => RunScriptAsync("start", _dataDirectory);

    private static async Task<string> RunScriptAsync(string verb, string directory)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "scripts", "pg.sh"));
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(directory);
        if (verb == "start" && File.Exists(Path.Combine(directory, "port")))
        {
            start.ArgumentList.Add(File.ReadAllText(Path.Combine(directory, "port")).Trim());
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/pg.sh {verb} failed ({process.ExitCode}): {await error}");
        }
        return await output;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "pg.sh")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("scripts/pg.sh not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
