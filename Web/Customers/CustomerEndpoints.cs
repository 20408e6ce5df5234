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
        return profile is null
            ? Results.Problem($"There is no customer '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Customer not found")
            : Results.Ok(await ResponseOf(profile, grains));
    }

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
