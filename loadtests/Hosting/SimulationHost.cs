using System.Net;
using System.Net.Sockets;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.LoadTests.Bench;
using CallCenter.LoadTests.Simulation;
using CallCenter.Silo.History;
using CallCenter.Silo.Storage;
using CallCenter.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Orleans.Configuration;
using Orleans.Hosting;

namespace CallCenter.LoadTests.Hosting;

/// <summary>
/// Where the grains run: a silo in this process (the default; its clock and record sink are the
/// simulator's own) or a running cluster joined as a client.
/// </summary>
public sealed class SimulationHost : IAsyncDisposable
{
    private readonly IHost? _host;
    private readonly IGrainFactory _grains;

    private SimulationHost(IHost? host, CountingCallDetailRecordSink? sink, string description, GatewayEndpoint? gateway = null, GrainCallCounter? grainCalls = null, IGrainFactory? grains = null)
    {
        _host = host;
        _grains = grains ?? host?.Services.GetRequiredService<IGrainFactory>() ?? throw new ArgumentNullException(nameof(grains));
        GrainCalls = grainCalls;
        Sink = sink;
        Description = description;
        Gateway = gateway;
    }

    /// <summary>For an in-process silo: where a client (another simulator with --join) can reach it.</summary>
    public GatewayEndpoint? Gateway { get; }

    public IGrainFactory Grains => _grains;

    /// <summary>The silo's record sink; null when joined to a cluster whose sink this process cannot see.</summary>
    public CountingCallDetailRecordSink? Sink { get; }

    /// <summary>The in-process silo's storage gate (it counts the database operations); null when joined.</summary>
    public StorageGate? StorageGate => _host?.Services.GetService<StorageGate>();

    public string Description { get; }

    /// <summary>Grain calls the in-process silo received (null when joined to a cluster).</summary>
    public GrainCallCounter? GrainCalls { get; }

    /// <summary>
    /// Starts a one-silo cluster on free localhost ports with <paramref name="clock"/> as every
    /// grain's clock and a counting record sink, both registered before AddCallCenter so that
    /// they replace its defaults.
    /// </summary>
    /// <param name="postgres">
    /// A migrated database: the silo then runs as production does (ADO.NET clustering, grain
    /// storage and reminders, durable call and agent state, the history writer behind the
    /// counting sink); otherwise memory storage.
    /// </param>
    /// <param name="admission">Admission control settings for the silo; null keeps the configured ones.</param>
    public static async Task<SimulationHost> StartInProcessAsync(ScaledTimeProvider clock, CancellationToken cancellationToken = default, string? postgres = null,
        Calls.CallAdmissionOptions? admission = null)
    {
        var sink = new CountingCallDetailRecordSink();
        var grainCalls = new GrainCallCounter();
        var (siloPort, gatewayPort) = (FreeTcpPort(), FreeTcpPort());
        var gateway = new GatewayEndpoint("127.0.0.1", gatewayPort, ClusterId: $"sim-{siloPort}", ServiceId: "callcenter-sim");
        var builder = CreateBuilder();
        string? spill = null;
        if (postgres is not null)
        {
            spill = Directory.CreateTempSubdirectory("sim-history-spill-").FullName;
            builder.Services.AddPostgresHistory(new HistoryWriterOptions { ConnectionString = postgres, SpillFolder = spill });
        }
        builder.UseOrleans(silo =>
        {
            if (postgres is null)
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: gateway.ServiceId, clusterId: gateway.ClusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = gateway.ClusterId;
                    o.ServiceId = gateway.ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
                silo.UsePostgres(postgres);
            }
            // The grains' clock runs at the scenario's speed; Orleans keeps its own real-time clock.
            silo.Services.AddSingleton(new CallCenterClock(clock));
            silo.Services.AddSingleton<ICallDetailRecordSink>(sink);
            silo.AddCallCenter(memoryStorage: postgres is null);
            if (admission is not null)
            {
                silo.Services.Configure<Calls.CallAdmissionOptions>(o =>
                {
                    o.MaxLiveCalls = admission.MaxLiveCalls;
                    o.MaxStorageBacklog = admission.MaxStorageBacklog;
                    o.RetryAfterSeconds = admission.RetryAfterSeconds;
                });
            }
            silo.AddIncomingGrainCallFilter(grainCalls);
        });
        var host = builder.Build();
        if (postgres is not null)
        {
            sink.Inner = host.Services.GetRequiredService<PostgresHistoryWriter>();
        }
        await StartOffContextAsync(host, cancellationToken);
        var storage = postgres is null ? "memory storage" : "PostgreSQL storage and history";
        return new SimulationHost(host, sink, $"in-process silo on 127.0.0.1:{siloPort} (gateway {gatewayPort}, cluster {gateway.ClusterId}, {storage})", gateway, grainCalls);
    }

    /// <summary>Joins a running cluster through one gateway, as a client.</summary>
    public static async Task<SimulationHost> JoinAsync(GatewayEndpoint gateway, CancellationToken cancellationToken = default)
    {
        var builder = CreateBuilder();
        builder.UseOrleansClient(client =>
        {
            if (gateway.Host is "localhost" or "127.0.0.1" or "::1")
            {
                client.UseLocalhostClustering(gateway.Port, gateway.ServiceId, gateway.ClusterId);
            }
            else
            {
                var addresses = Dns.GetHostAddresses(gateway.Host);
                client.UseStaticClustering(new IPEndPoint(addresses[0], gateway.Port));
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = gateway.ClusterId;
                    o.ServiceId = gateway.ServiceId;
                });
            }
        });
        var host = builder.Build();
        await StartOffContextAsync(host, cancellationToken);
        return new SimulationHost(host, null, $"client of the cluster at {gateway}");
    }

    /// <summary>
    /// A client someone else connected and will stop (the scaling run's, which waits for every silo
    /// first); disposing this host leaves it running.
    /// </summary>
    public static SimulationHost Borrow(IGrainFactory grains, string description) => new(null, null, description, grains: grains);

    private static readonly string[] ScaledClockNoise =
    [
        "Orleans.Runtime.Watchdog",
        "Orleans.Runtime.AsyncTimer",
        "Orleans.Runtime.MembershipService",
        "Orleans.Runtime.Silo",
    ];

    private static HostApplicationBuilder CreateBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ApplicationName = "CallCenter.LoadTests",
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Warnings only, on stderr, so that progress lines stay readable and stdout holds the summary.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // The scaled clock makes Orleans' own timer-lateness and stall checks misfire; keep their noise out.
        foreach (var category in ScaledClockNoise)
        {
            builder.Logging.AddFilter(category, LogLevel.Error);
        }
        // At shutdown Orleans may cancel a call (a background service's stopping token) on a silo
        // that is already going, and logs the rejection twice; nothing the simulator does depends on it.
        builder.Logging.AddFilter("Orleans.Runtime.GrainCallCancellationManager", LogLevel.Critical);
        builder.Logging.AddFilter("Orleans.Runtime.Messaging.MessageCenter", LogLevel.Error);
        // Placement retries and undeliverable one-way statistics pushes while the silo stops.
        builder.Logging.AddFilter("Polly", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Messaging", LogLevel.Critical);
        return builder;
    }

    /// <summary>
    /// Starts the host on the thread pool: background services and Orleans' own loops would
    /// otherwise capture the caller's synchronization context (a test runner's throttles them).
    /// </summary>
    private static Task StartOffContextAsync(IHost host, CancellationToken cancellationToken) =>
        Task.Run(() => host.StartAsync(cancellationToken), cancellationToken);

    /// <summary>A port the OS reports free now (bound to port 0 and released).</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is null)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
