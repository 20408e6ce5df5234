using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CallCenter.LoadTests.Failover;

/// <summary>
/// The driver's Orleans client: it finds the gateways in PostgreSQL (ADO.NET clustering), like any
/// client of a production cluster, so it moves to the surviving silos when one dies.
/// </summary>
public sealed class ClusterClient : IAsyncDisposable
{
    /// <summary>A grain call that has had no answer in this long fails and is retried by the next cycle.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    private readonly IHost _host;

    private ClusterClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public IGrainFactory Grains => Client;

    public static async Task<ClusterClient> ConnectAsync(string connectionString, string clusterId, string serviceId, string logPath, CancellationToken cancellationToken,
        TimeSpan? responseTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ApplicationName = "CallCenter.LoadTests.Failover",
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(new FileLoggerProvider(logPath));
        // Ctrl-C and SIGTERM belong to the failover command, which stops the silos and PostgreSQL first.
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout ?? ResponseTimeout);
        });
        var host = builder.Build();
        try
        {
            await Task.Run(() => host.StartAsync(cancellationToken), cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ClusterClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _host.StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException or TimeoutException)
        {
        }
        finally
        {
            _host.Dispose();
        }
    }

    private sealed class CommandOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
