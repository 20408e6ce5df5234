using CallCenter.Silo;
using CallCenter.Silo.Configuration;
using CallCenter.Silo.Hosting;
using CallCenter.Silo.Storage;
using CallCenter.Web;

// The embedded default: one silo with localhost clustering and in-memory storage, a demo center
// (service 1000 routed by province) with demo traffic, a live summary line per queue, and the web
// site (wallboard, supervisor console, agent desktop) on http://127.0.0.1:5000.
// `--storage postgres --connection-string ...` runs the production set-up (ADO.NET clustering,
// grain storage, reminders and history in PostgreSQL); `migrate --connection-string ...` only
// applies the schema and exits.
// appsettings.json is read from the app's folder, wherever `dotnet run --project Silo` is started.
var migrateOnly = args.Length > 0 && args[0] == "migrate";
if (migrateOnly)
{
    args = args[1..];
}
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, SiloHostExtensions.SwitchMappings);
builder.AddWebDefaults();

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

if (migrateOnly)
{
    return await Migrate(builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions());
}

builder.AddCallCenterSilo();
builder.AddDemoCenter();
builder.AddSipGateway();
builder.AddLiveSummary();
builder.AddCallCenterMetrics();
builder.AddCallCenterWeb();

var app = builder.Build();
app.MapCallCenterWeb();
await app.RunAsync();
return 0;

static async Task<int> Migrate(SiloOptions silo)
{
    if (string.IsNullOrWhiteSpace(silo.ConnectionString))
    {
        Console.Error.WriteLine($"migrate: {SiloOptions.Section}:ConnectionString is required (--connection-string \"Host=...;Port=...;Username=...;Database=...\")");
        return 2;
    }
    if (CallCenterOptionsValidator.ConnectionStringError(silo.ConnectionString) is { } problem)
    {
        Console.Error.WriteLine($"migrate: {SiloOptions.Section}:ConnectionString is not a valid Npgsql connection string: {problem}");
        return 2;
    }
    try
    {
        var applied = await SchemaMigrator.ApplyAsync(silo.ConnectionString);
        Console.WriteLine(applied.Count == 0 ? "Schema already up to date." : $"Applied: {string.Join(", ", applied)}");
        return 0;
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"migrate: {ex.Message}");
        return 1;
    }
}
