using System.Net;
using System.Net.Sockets;
using CallCenter.Hosting;
using CallCenter.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Xunit.Abstractions;

namespace CallCenter.Database.Tests.OrleansStore;

/// <summary>The cluster and service a test's silos and clients belong to.</summary>
public sealed record ClusterIdentity(string ClusterId, string ServiceId)
{
    public static ClusterIdentity New() => new($"cluster-{Guid.NewGuid():N}"[..20], $"service-{Guid.NewGuid():N}"[..20]);
}

/// <summary>
/// A real silo (a plain generic host with UseOrleans) on a PostgreSQL database, as production
/// wires it: <see cref="PostgresStorageExtensions.UsePostgres"/> plus the call-center services,
/// bound to 127.0.0.1 only.
/// </summary>
public static class PostgresSilo
{
    public static async Task<IHost> StartAsync(
        string connectionString,
        ClusterIdentity cluster,
        ITestOutputHelper output,
        Action<ISiloBuilder>? configure = null,
        ICollection<string>? allLogs = null,
        CancellationToken ct = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        AddTestLogging(builder.Logging, output, "silo", allLogs);
        var siloPort = FreeLoopbackPort();
        var gatewayPort = FreeLoopbackPort();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            silo.UsePostgres(connectionString);
            silo.AddCallCenter(memoryStorage: false);
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    public static async Task<IHost> StartClientAsync(string connectionString, ClusterIdentity cluster, ITestOutputHelper output, CancellationToken ct = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        AddTestLogging(builder.Logging, output, "client");
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.UsePostgresClustering(connectionString);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(ct);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>Stops the host (gracefully: the silo leaves the membership table as Dead) and disposes it.</summary>
    public static async Task StopAsync(this IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        finally
        {
            host.Dispose();
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public static async Task<List<object?[]>> RowsAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static void AddTestLogging(ILoggingBuilder logging, ITestOutputHelper output, string source, ICollection<string>? allLogs = null)
    {
        logging.ClearProviders();
        // Everything from Information up is produced (as in production); the test output shows
        // warnings and errors, allLogs (when given) gets it all.
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddProvider(new TestOutputLoggerProvider(output, source, allLogs));
    }
}

/// <summary>Warnings and errors of the hosts a test starts, in that test's output.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output, string source, ICollection<string>? allLogs) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, source, categoryName, allLogs);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(ITestOutputHelper output, string source, string category, ICollection<string>? allLogs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (allLogs is null ? LogLevel.Warning : LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} [{source}] {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}";
            if (allLogs is not null)
            {
                lock (allLogs)
                {
                    allLogs.Add(line);
                }
            }
            if (logLevel < LogLevel.Warning)
            {
                return;
            }
            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output is closed.
            }
        }
    }
}
