using CallCenter.Silo.Configuration;
using CallCenter.Silo.Demo;
using CallCenter.Web;

namespace CallCenter.Silo.Hosting;

/// <summary>
/// The silo's defaults for the co-hosted web site: on for the embedded default (memory storage),
/// off for cluster silos unless <c>--web true</c>; demo users and the desk agent follow the demo seed.
/// Explicit settings always win: the defaults go in as the lowest-priority configuration source.
/// </summary>
public static class WebHosting
{
    public static IHostApplicationBuilder AddWebDefaults(this IHostApplicationBuilder builder)
    {
        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        var demo = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        var defaults = new Dictionary<string, string?>
        {
            [$"{WebOptions.Section}:{nameof(WebOptions.Enabled)}"] = (!silo.UsesPostgres).ToString(),
            [$"{WebOptions.Section}:{nameof(WebOptions.SeedDemoUsers)}"] = demo.Seed.ToString(),
        };
        if (demo.Seed && builder.Configuration.GetSection($"{WebOptions.Section}:{nameof(WebOptions.DemoDeskQueues)}").GetChildren().Any() is false)
        {
            // The desk agent serves the demo's common group first, then the Beijing hotline.
            defaults[$"{WebOptions.Section}:{nameof(WebOptions.DemoDeskQueues)}:{DemoCenter.CommonQueue}"] = "1";
            defaults[$"{WebOptions.Section}:{nameof(WebOptions.DemoDeskQueues)}:{DemoCenter.QueueOf("bj")}"] = "2";
        }
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        return builder;
    }
}
