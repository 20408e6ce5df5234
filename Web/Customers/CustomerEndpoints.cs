using System.Collections.Immutable;
using System.Text;
using CallCenter.Customers;
using CallCenter.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CallCenter.Web.Customers;

/// <summary>A customer as the API shows it: the profile, its level by name, and the most recent calls.</summary>
public sealed record CustomerResponse(
    string Id,
    string Name,
    ImmutableArray<string> Phones,
    string Level,
    string? Region,
    string? Notes,
    string? UpdatedBy,
    DateTimeOffset? UpdatedAt,
    IReadOnlyList<ContactResponse> Contacts);

/// <summary>A customer's new profile (PUT replaces every field): the level by name, several numbers allowed.</summary>
public sealed record CustomerUpdate(string? Name, IReadOnlyList<string>? Phones, string? Level, string? Region, string? Notes);

public sealed record ContactResponse(string CallId, DateTimeOffset At, string CallerNumber, string? QueueId, string? AgentId, string Outcome, double WaitSeconds, double TalkSeconds);

/// <summary>
/// The customer API (CUS-1): CSV import and export for supervisors and admins, look-up by id or
/// caller number for anyone who may view customers. Errors are problem details; a refused import
/// lists every rejected row and imports nothing.
/// </summary>
public static class CustomerEndpoints
{
    public const string BasePath = "/api/customers";
    public const string ImportPath = BasePath + "/import";
    public const string ExportPath = BasePath + "/export";
    public const string CsvContentType = "text/csv";
    /// <summary>Contacts returned with a customer.</summary>
    public const int RecentContacts = 20;

    /// <summary>GET routes for the route walk, with a demo customer that the embedded default seeds.</summary>
    public static readonly IReadOnlyList<(string Path, string Policy)> Routes =
    [
        (ExportPath, Permissions.ManageCustomers),
        ($"{BasePath}/{DemoCustomerId}", Permissions.ViewCustomers),
        ($"{BasePath}?phone={DemoCustomerPhone}", Permissions.ViewCustomers),
    ];

    /// <summary>Changes, for the route walk: on an id that names no customer they find nothing (404) and change nothing.</summary>
    public static readonly IReadOnlyList<(string Method, string Path, string Policy)> Commands =
    [
        ("PUT", $"{BasePath}/{Api.IntegrationApi.WalkId}", Permissions.ManageCustomers),
        ("DELETE", $"{BasePath}/{Api.IntegrationApi.WalkId}", Permissions.ManageCustomers),
    ];

    public const string DemoCustomerId = "c-00001";
    public const string DemoCustomerPhone = "01088880001";

    public static IEndpointRouteBuilder MapCustomerApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(BasePath).WithTags("Customers");
        api.MapPost("/import", ImportAsync)
            // Not .Accepts(...): routing would then answer another content type with a bare 415, not problem details.
            .WithDescription($"Body: {CsvContentType}, UTF-8, header row {string.Join(",", CustomerCsv.Columns)}. All rows or none are imported.")
            .Produces<CustomerImportReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireAuthorization(Permissions.ManageCustomers);
        api.MapGet("/export", ExportAsync)
            .Produces<string>(StatusCodes.Status200OK, CsvContentType)
            .RequireAuthorization(Permissions.ManageCustomers);
        api.MapGet("/{id}", GetAsync)
            .Produces<CustomerResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Permissions.ViewCustomers);
        api.MapPut("/{id}", UpdateAsync)
            .WithDescription("Replaces the customer's profile (name, phones, level, region, notes); a bad profile changes nothing.")
            .Produces<CustomerResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Permissions.ManageCustomers);
        api.MapDelete("/{id}", DeleteAsync)
            .WithDescription("Removes the customer and frees its numbers; its contact history is kept.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Permissions.ManageCustomers);
        api.MapGet("/", FindByPhoneAsync)
            .Produces<CustomerResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(Permissions.ViewCustomers);
        return endpoints;
    }

    private static async Task<IResult> ImportAsync(HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), CsvContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem($"Send the file as {CsvContentType} (UTF-8, header row: {string.Join(",", CustomerCsv.Columns)}).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not a CSV upload");
        }
        string csv;
        using (var reader = new StreamReader(context.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true)))
        {
            try
            {
                csv = await reader.ReadToEndAsync(context.RequestAborted);
            }
            catch (DecoderFallbackException)
            {
                return Results.Problem("The file is not UTF-8 text; nothing was imported.", statusCode: StatusCodes.Status400BadRequest, title: "Import refused");
            }
        }
        var user = context.User;
        var report = await grains.GetCustomerDirectory().ImportCsv(csv, user.Identity?.Name ?? "api");
        await audit.RecordAsync(user, context.Connection.RemoteIpAddress?.ToString(), report.Imported ? "customers-imported" : "customers-import-refused", "customers",
            report.Imported ? $"{report.Created} created, {report.Updated} updated" : $"{report.Rejected.Length} rows rejected");
        return report.Imported
            ? Results.Ok(report)
            : Results.Problem(
                $"{report.Rejected.Length} row(s) rejected; nothing was imported.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Import refused",
                extensions: new Dictionary<string, object?> { ["rejected"] = report.Rejected.Select(r => new { line = r.Line, reason = r.Reason }).ToList() });
    }

    private static async Task<IResult> ExportAsync(HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        var csv = await grains.GetCustomerDirectory().ExportCsv();
        await audit.RecordAsync(context.User, context.Connection.RemoteIpAddress?.ToString(), "customers-exported", "customers");
        return Results.File(Encoding.UTF8.GetBytes(csv), $"{CsvContentType}; charset=utf-8", "customers.csv");
    }

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains)
    {
        var profile = await grains.GetCustomerDirectory().Get(id);
        return profile is null ? NotFound(id) : Results.Ok(await ResponseOf(profile, grains));
    }

    private static async Task<IResult> UpdateAsync(string id, CustomerUpdate? update, HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        var directory = grains.GetCustomerDirectory();
        if (await directory.Get(id) is not { } known)
        {
            return NotFound(id);
        }
        if (update is null)
        {
            return BadProfile("Send the customer as JSON: name, phones, level, region, notes.");
        }
        if (!CustomerRules.TryParseLevel(update.Level ?? CustomerRules.LevelName(CustomerLevel.Normal), out var level))
        {
            return BadProfile($"level '{update.Level}' is not one of {string.Join(", ", Enum.GetValues<CustomerLevel>().Select(CustomerRules.LevelName))}.");
        }
        var user = context.User;
        CustomerProfile saved;
        try
        {
            saved = await directory.Save(known with
            {
                Name = update.Name ?? "",
                Phones = [.. update.Phones ?? []],
                Level = level,
                Region = update.Region,
                Notes = update.Notes,
            }, user.Identity?.Name ?? "api");
        }
        catch (ArgumentException ex)
        {
            return BadProfile(ex.Message);
        }
        await audit.RecordAsync(user, context.Connection.RemoteIpAddress?.ToString(), "customer-updated", saved.Id, ChangeOf(known, saved));
        return Results.Ok(await ResponseOf(saved, grains));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        var user = context.User;
        if (await grains.GetCustomerDirectory().Delete(id, user.Identity?.Name ?? "api") is not { } removed)
        {
            return NotFound(id);
        }
        await audit.RecordAsync(user, context.Connection.RemoteIpAddress?.ToString(), "customer-deleted", removed.Id, $"{removed.Name} ({string.Join(", ", removed.Phones)})");
        return Results.NoContent();
    }

    /// <summary>What an edit changed, for the audit log.</summary>
    public static string ChangeOf(CustomerProfile before, CustomerProfile after)
    {
        var changes = new List<string>();
        if (before.Name != after.Name) changes.Add($"name {before.Name} -> {after.Name}");
        if (!before.Phones.SequenceEqual(after.Phones)) changes.Add($"phones {string.Join(";", before.Phones)} -> {string.Join(";", after.Phones)}");
        if (before.Level != after.Level) changes.Add($"level {CustomerRules.LevelName(before.Level)} -> {CustomerRules.LevelName(after.Level)}");
        if (before.Region != after.Region) changes.Add($"region {before.Region} -> {after.Region}");
        if (before.Notes != after.Notes) changes.Add("notes");
        return changes.Count == 0 ? "no change" : string.Join(", ", changes);
    }

    private static IResult NotFound(string id) =>
        Results.Problem($"There is no customer '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Customer not found");

    private static IResult BadProfile(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Customer not saved");

    private static async Task<IResult> FindByPhoneAsync(string? phone, IGrainFactory grains)
    {
        if (CustomerRules.NormalizePhone(phone) is null)
        {
            return Results.Problem(string.IsNullOrWhiteSpace(phone) ? "Give the caller number: ?phone=..." : $"'{phone}' is not a phone number.",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad phone number");
        }
        var profile = await grains.GetCustomerDirectory().FindByPhone(phone!);
        return profile is null
            ? Results.Problem($"No customer has the number {phone}.", statusCode: StatusCodes.Status404NotFound, title: "Customer not found")
            : Results.Ok(await ResponseOf(profile, grains));
    }

    private static async Task<CustomerResponse> ResponseOf(CustomerProfile profile, IGrainFactory grains)
    {
        var contacts = await grains.GetCustomerContacts(profile.Id).Recent(RecentContacts);
        return new CustomerResponse(profile.Id, profile.Name, profile.Phones, CustomerRules.LevelName(profile.Level), profile.Region, profile.Notes, profile.UpdatedBy, profile.UpdatedAt,
            [.. contacts.Select(c => new ContactResponse(c.CallId, c.At, c.CallerNumber, c.QueueId, c.AgentId, c.Outcome.ToString(), c.Wait.TotalSeconds, c.Talk.TotalSeconds))]);
    }
}
