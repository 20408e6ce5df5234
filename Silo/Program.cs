using CallCenter.Silo;

// The embedded default: one silo with localhost clustering and in-memory storage, a demo center
// (service 1000 routed by province) with demo traffic, and a live summary line per queue.
// appsettings.json is read from the app's folder, wherever `dotnet run --project Silo` is started.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, SiloHostExtensions.SwitchMappings);

var errors = builder.AddCallCenterOptions();
if (errors.Count > 0)
{
    Console.Error.WriteLine("Invalid configuration:");
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"  - {error}");
    }
    return 2;
}

builder.AddCallCenterSilo();
builder.AddDemoCenter();
builder.AddLiveSummary();

await builder.Build().RunAsync();
return 0;
