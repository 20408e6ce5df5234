using CallCenter.Hosting;
using CallCenter.Silo.Configuration;
using CallCenter.Silo.Database;
using CallCenter.Silo.Demo;
using CallCenter.Silo.History;
using CallCenter.Silo.Storage;
using CallCenter.Telephony.Gateway.Hosting;
using System.Net;
using ClusterMembershipOptions = Orleans.Configuration.ClusterMembershipOptions;
using ClusterOptions = Orleans.Configuration.ClusterOptions;
using SiloMessagingOptions = Orleans.Configuration.SiloMessagingOptions;
using Microsoft.Extensions.Options;

namespace CallCenter.Silo;

public static class SiloHostExtensions
{
    /// <summary>Friendly command-line switches for the common settings.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--storage"] = $"{SiloOptions.Section}:Storage",
        ["--connection-string"] = $"{SiloOptions.Section}:ConnectionString",
        ["--advertised-address"] = $"{SiloOptions.Section}:AdvertisedAddress",
        ["--migrate-on-start"] = $"{SiloOptions.Section}:MigrateOnStart",
        ["--history-spill-folder"] = $"{SiloOptions.Section}:HistorySpillFolder",
        ["--clock-speed"] = $"{SiloOptions.Section}:ClockSpeed",
        ["--clock-start"] = $"{SiloOptions.Section}:ClockStart",
        ["--clock-started-at"] = $"{SiloOptions.Section}:ClockStartedAt",
        // The earlier name of a --clock-start without --clock-started-at (the scale command used it).
        ["--clock-epoch"] = $"{SiloOptions.Section}:ClockStart",
        ["--cluster-id"] = $"{SiloOptions.Section}:ClusterId",
        ["--parent-pid"] = $"{SiloOptions.Section}:ParentProcessId",
        ["--storage-concurrency"] = $"{SiloOptions.Section}:StorageConcurrency",
        ["--service-id"] = $"{SiloOptions.Section}:ServiceId",
        ["--silo-port"] = $"{SiloOptions.Section}:SiloPort",
        ["--gateway-port"] = $"{SiloOptions.Section}:GatewayPort",
        ["--demo"] = $"{DemoOptions.Section}:Seed",
        ["--demo-traffic"] = $"{DemoOptions.Section}:Traffic",
        ["--calls-per-minute"] = $"{DemoOptions.Section}:CallsPerMinute",
        ["--summary-seconds"] = $"{SummaryOptions.Section}:IntervalSeconds",
        ["--gateway"] = $"{GatewayOptions.Section}:Enabled",
        ["--sip-address"] = $"{GatewayOptions.Section}:ListenAddress",
        ["--sip-port"] = $"{GatewayOptions.Section}:SipPort",
        ["--demo-agents"] = $"{GatewayOptions.Section}:DemoAgents",
        ["--trunk"] = $"{GatewayOptions.Section}:Trunk",
        ["--metrics-port"] = $"{Metrics.MetricsOptions.Section}:Port",
        ["--web"] = $"{Web.WebOptions.Section}:Enabled",
        ["--web-address"] = $"{Web.WebOptions.Section}:Address",
        ["--web-port"] = $"{Web.WebOptions.Section}:Port",
    };

    /// <summary>
    /// Binds and validates every option before anything starts; returns the problems, each
    /// naming its configuration key, or an empty list.
    /// </summary>
    public static IReadOnlyList<string> AddCallCenterOptions(this IHostApplicationBuilder builder)
    {
        var validator = new CallCenterOptionsValidator();
        var errors = new List<string>();
        errors.AddRange(Check<SiloOptions>(builder, SiloOptions.Section, o => validator.Validate(null, o)));
        errors.AddRange(Check<DemoOptions>(builder, DemoOptions.Section, o => validator.Validate(null, o)));
        errors.AddRange(Check<SummaryOptions>(builder, SummaryOptions.Section, o => validator.Validate(null, o)));
        errors.AddRange(Check<GatewayOptions>(builder, GatewayOptions.Section, o => o.Validate() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success));
        errors.AddRange(Check<Web.WebOptions>(builder, Web.WebOptions.Section, o => o.Validate() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success));
        return errors;
    }

    public static IHostApplicationBuilder AddCallCenterSilo(this IHostApplicationBuilder builder)
    {
        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        if (silo.UsesPostgres)
        {
            var connectionString = silo.ConnectionString!;
            if (silo.MigrateOnStart)
            {
                builder.Services.AddHostedService(sp => new SchemaOnStart(connectionString, sp.GetRequiredService<ILogger<SchemaOnStart>>()));
            }
            builder.Services.AddPostgresHistory(new HistoryWriterOptions
            {
                ConnectionString = connectionString,
                SpillFolder = silo.HistorySpillFolder ?? Path.Combine(
                    Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                    "callcenter", "history-spill", $"{silo.ClusterId}-{silo.SiloPort}"),
            });
            builder.Services.AddPostgresTicketArchive(connectionString);
        }
        if (silo.ParentProcessId is { } parent)
        {
            builder.Services.AddHostedService(sp => new Hosting.ParentProcessWatch(parent,
                sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<Hosting.ParentProcessWatch>>()));
        }
        builder.UseOrleans(orleans =>
        {
            if (silo.UsesPostgres)
            {
                orleans.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = silo.ClusterId;
                    o.ServiceId = silo.ServiceId;
                });
                orleans.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedAddress), silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: false);
                orleans.UsePostgres(silo.ConnectionString!, silo.StorageConcurrency);
                orleans.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(silo.ProbeTimeoutSeconds);
                    o.NumMissedProbesLimit = silo.MissedProbesLimit;
                });
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")))
                {
                    // Pod name, namespace, IP and the cluster ids come from the pod's environment.
                    orleans.UseKubernetesHosting();
                }
            }
            else
            {
                orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            }
            if (silo.ClockSpeed != 1 || silo.ClockStart is not null)
            {
                // Silos of one cluster share one scaled clock: each reads it at its own start-up from the
                // same reading and instant (restarted silos continue the same day).
                var wallNow = DateTimeOffset.UtcNow;
                var origin = silo.ClockStart is { } start
                    ? Time.ScaledTimeProvider.ReadingAt(start, silo.ClockStartedAt ?? start, silo.ClockSpeed, wallNow)
                    : wallNow;
                orleans.Services.AddSingleton(new Time.CallCenterClock(new Time.ScaledTimeProvider(origin, silo.ClockSpeed)));
            }
            orleans.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(silo.ResponseTimeoutSeconds));
            orleans.AddCallCenter(memoryStorage: !silo.UsesPostgres);
        });
        return builder;
    }

    public static IHostApplicationBuilder AddDemoCenter(this IHostApplicationBuilder builder)
    {
        var demo = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        if (!demo.Seed)
        {
            return builder;
        }
        builder.Services.AddSingleton(new DemoCenter(demo));
        builder.Services.AddSingleton<DemoPhones>();
        builder.Services.AddHostedService<DemoSeeder>();
        builder.Services.AddHostedService<DemoCustomers>();
        builder.Services.AddHostedService<DemoTraffic>();
        return builder;
    }

    /// <summary>The SIP media gateway in the silo's process (the embedded default): IVR, ACD calls, agents' phones.</summary>
    public static IHostApplicationBuilder AddSipGateway(this IHostApplicationBuilder builder)
    {
        var gateway = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        if (!(gateway.Enabled ?? !silo.UsesPostgres))
        {
            return builder;
        }
        var demo = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        if (gateway.DemoAgentQueues.Count == 0 && demo.Seed)
        {
            // The simulated phones serve every queue of the demo center, so a call to 1000 reaches one.
            gateway.DemoAgentQueues = [.. new DemoCenter(demo).Queues.Select(q => q.Id)];
        }
        builder.Services.AddSipGateway(gateway);
        return builder;
    }

    public static IHostApplicationBuilder AddLiveSummary(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<LiveSummary>();
        return builder;
    }

    private static IEnumerable<string> Check<T>(IHostApplicationBuilder builder, string section, Func<T, ValidateOptionsResult> validate)
        where T : class, new()
    {
        T options;
        try
        {
            options = builder.Configuration.GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key and the value it could not convert.
            return [ex.Message];
        }
        builder.Services.AddOptions<T>().BindConfiguration(section);
        var result = validate(options);
        return result.Failed ? result.Failures : [];
    }
}
