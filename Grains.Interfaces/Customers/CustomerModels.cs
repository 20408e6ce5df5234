using System.Collections.Immutable;
using CallCenter.Calls;

namespace CallCenter.Customers;

/// <summary>A customer's service level (CUS-1). Higher levels can raise the priority of their calls.</summary>
public enum CustomerLevel
{
    Normal,
    Silver,
    Gold,
    Vip,
}

/// <summary>One customer of the center: who they are and which numbers they call from.</summary>
[GenerateSerializer, Immutable, Alias("customers.profile")]
public sealed record CustomerProfile
{
    /// <summary>Empty when a new customer is saved: the directory assigns one.</summary>
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public required string Name { get; init; }
    /// <summary>Caller ids in normalised form (digits, an optional leading '+'); each belongs to one customer only.</summary>
    [Id(2)] public ImmutableArray<string> Phones { get; init; } = [];
    [Id(3)] public CustomerLevel Level { get; init; }
    [Id(4)] public string? Region { get; init; }
    [Id(5)] public string? Notes { get; init; }
    [Id(6)] public string? UpdatedBy { get; init; }
    [Id(7)] public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>One earlier call of a customer, as its call record ended it.</summary>
[GenerateSerializer, Immutable, Alias("customers.contact")]
public sealed record CustomerContact(
    [property: Id(0)] string CallId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string CallerNumber,
    [property: Id(3)] string? QueueId,
    [property: Id(4)] string? AgentId,
    [property: Id(5)] CallOutcome Outcome,
    [property: Id(6)] TimeSpan Wait,
    [property: Id(7)] TimeSpan Talk);

/// <summary>A row of an import file that was refused, by the line it starts on (the header is line 1).</summary>
[GenerateSerializer, Immutable, Alias("customers.import-rejection")]
public sealed record CustomerImportRejection(
    [property: Id(0)] int Line,
    [property: Id(1)] string Reason);

/// <summary>
/// The outcome of a CSV import. An import is all or nothing: when any row is rejected nothing is
/// imported and <see cref="Rejected"/> says which rows and why.
/// </summary>
[GenerateSerializer, Immutable, Alias("customers.import-report")]
public sealed record CustomerImportReport(
    [property: Id(0)] bool Imported,
    [property: Id(1)] int Rows,
    [property: Id(2)] int Created,
    [property: Id(3)] int Updated,
    [property: Id(4)] ImmutableArray<CustomerImportRejection> Rejected);

/// <summary>What a silo needs to recognise callers without a grain call: caller id -> (customer, level).</summary>
[GenerateSerializer, Immutable, Alias("customers.caller-index")]
public sealed record CallerIndex(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableDictionary<string, KnownCaller> Callers)
{
    public static readonly CallerIndex Empty = new(0, ImmutableDictionary<string, KnownCaller>.Empty);
}

[GenerateSerializer, Immutable, Alias("customers.known-caller")]
public sealed record KnownCaller(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] CustomerLevel Level);

public static class CustomerKeys
{
    public const string Directory = "customers:directory";
    public const string ContactsPrefix = "customer-contacts:";

    public static string Contacts(string customerId) => ContactsPrefix + customerId;
}

/// <summary>
/// The single writer of the customer directory: profiles and the caller-id index that keeps each
/// number unique. Every change is validated first; bad input throws <see cref="ArgumentException"/>
/// with the reason and changes nothing.
/// </summary>
[Alias("customers.directory")]
public interface ICustomerDirectoryGrain : IGrainWithStringKey
{
    [Alias("get")] Task<CustomerProfile?> Get(string customerId);
    /// <summary>The customer a caller id belongs to (any common spelling of the number), or null.</summary>
    [Alias("find-by-phone")] Task<CustomerProfile?> FindByPhone(string phone);
    /// <summary>Creates (empty id) or replaces a customer; returns the stored profile.</summary>
    [Alias("save")] Task<CustomerProfile> Save(CustomerProfile profile, string by);
    /// <summary>Removes a customer and frees its numbers; returns the removed profile, or null when there is none (nothing changes). The contact history stays.</summary>
    [Alias("delete")] Task<CustomerProfile?> Delete(string customerId, string by);
    /// <summary>Customers whose name, id or number contains <paramref name="text"/> (all when empty), by name.</summary>
    [Alias("list")] Task<ImmutableArray<CustomerProfile>> List(string? text, int max);
    [Alias("count")] Task<int> Count();
    /// <summary>Validates every row, then imports all of them or none (CUS-1).</summary>
    [Alias("import-csv")] Task<CustomerImportReport> ImportCsv(string csv, string by);
    /// <summary>Every customer as UTF-8 CSV text with a header row, in the format the import reads.</summary>
    [Alias("export-csv")] Task<string> ExportCsv();
    [Alias("version")] Task<long> GetVersion();
    [Alias("caller-index")] Task<CallerIndex> GetCallerIndex();
}

/// <summary>A customer's contact history: the most recent calls, newest first.</summary>
[Alias("customers.contacts")]
public interface ICustomerContactsGrain : IGrainWithStringKey
{
    public const int Capacity = 200;

    /// <summary>Appends a call once (a repeated record of the same call changes nothing).</summary>
    [Alias("append")] Task Append(CustomerContact contact);
    [Alias("recent")] Task<ImmutableArray<CustomerContact>> Recent(int count);
}

public static class CustomerGrainFactoryExtensions
{
    public static ICustomerDirectoryGrain GetCustomerDirectory(this IGrainFactory factory) =>
        factory.GetGrain<ICustomerDirectoryGrain>(CustomerKeys.Directory);

    public static ICustomerContactsGrain GetCustomerContacts(this IGrainFactory factory, string customerId) =>
        factory.GetGrain<ICustomerContactsGrain>(CustomerKeys.Contacts(customerId));
}
