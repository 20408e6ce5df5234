using CallCenter.Hosting;
using CallCenter.Silo.Configuration;
using CallCenter.Silo.Demo;
using Microsoft.Extensions.Options;

namespace CallCenter.Silo;

public static class SiloHostExtensions
{
    /// <summary>Friendly command-line switches for the common settings.</summary>
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--storage"] = $"{SiloOptions.Section}:Storage",
        ["--clock-speed"] = $"{SiloOptions.Section}:ClockSpeed",
        ["--cluster-id"] = $"{SiloOptions.Section}:ClusterId",
        ["--service-id"] = $"{SiloOptions.Section}:ServiceId",
        ["--silo-port"] = $"{SiloOptions.Section}:SiloPort",
        ["--gateway-port"] = $"{SiloOptions.Section}:GatewayPort",
        ["--demo"] = $"{DemoOptions.Section}:Seed",
        ["--demo-traffic"] = $"{DemoOptions.Section}:Traffic",
        ["--calls-per-minute"] = $"{DemoOptions.Section}:CallsPerMinute",
        ["--summary-seconds"] = $"{SummaryOptions.Section}:IntervalSeconds",
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
        return errors;
    }

    public static IHostApplicationBuilder AddCallCenterSilo(this IHostApplicationBuilder builder)
    {
        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(orleans =>
        {
            orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            if (silo.ClockSpeed != 1)
            {
                orleans.Services.AddSingleton(new Time.CallCenterClock(new Time.ScaledTimeProvider(DateTimeOffset.UtcNow, silo.ClockSpeed)));
            }
            orleans.AddCallCenter(memoryStorage: true);
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
        builder.Services.AddHostedService<DemoTraffic>();
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
