using System.Collections.Immutable;
using CallCenter.Hosting;
using CallCenter.Time;
using Microsoft.Extensions.Logging;

namespace CallCenter.Customers;

[GenerateSerializer, Alias("customers.directory-state")]
public sealed class CustomerDirectoryState
{
    [Id(0)] public List<CustomerProfile> Customers { get; set; } = [];
    [Id(1)] public long NextNumber { get; set; } = 1;
    /// <summary>Counts changes, so that silos can tell whether their copy of the caller index is current.</summary>
    [Id(2)] public long Version { get; set; }
}

/// <summary>
/// The customer directory (key "customers:directory"): loads the book, lets <see cref="CustomerBook"/>
/// decide, persists, and keeps a caller index for the silos' <see cref="CallerRecognition"/>.
/// </summary>
public sealed class CustomerDirectoryGrain(
    [PersistentState("customer-directory", CallCenterSiloExtensions.StorageName)] IPersistentState<CustomerDirectoryState> state,
    CallCenterClock clock,
    CallerRecognition callers,
    ILogger<CustomerDirectoryGrain> logger) : Grain, ICustomerDirectoryGrain
{
    /// <summary>Bigger files are refused whole: a directory this size belongs in a bulk load, not a web form.</summary>
    public const int MaxImportCharacters = 20_000_000;

    private CustomerBook _book = CustomerBook.Empty;
    private CallerIndex? _index;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book = CustomerBook.From(state.State.Customers, state.State.NextNumber);
        return Task.CompletedTask;
    }

    public Task<CustomerProfile?> Get(string customerId) => Task.FromResult(_book.Find(customerId));

    public Task<CustomerProfile?> FindByPhone(string phone) => Task.FromResult(_book.FindByPhone(phone));

    public async Task<CustomerProfile> Save(CustomerProfile profile, string by)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var (book, saved) = _book.Save(profile, by, clock.Now);
        await Commit(book);
        logger.LogInformation("Customer {CustomerId} saved by {User} (level {Level})", saved.Id, by, saved.Level);
        return saved;
    }

    public async Task<CustomerProfile?> Delete(string customerId, string by)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var (book, removed) = _book.Delete(customerId);
        if (removed is null)
        {
            return null;
        }
        await Commit(book);
        logger.LogInformation("Customer {CustomerId} deleted by {User}", customerId, by);
        return removed;
    }

    public Task<ImmutableArray<CustomerProfile>> List(string? text, int max)
    {
        var query = text?.Trim() ?? "";
        var phone = CustomerRules.NormalizePhone(query);
        var found = _book.ById.Values
            .Where(c => query.Length == 0
                || c.Name.Contains(query, StringComparison.OrdinalIgnoreCase)
                || c.Id.Contains(query, StringComparison.OrdinalIgnoreCase)
                || (phone is not null && c.Phones.Any(p => p.Contains(phone, StringComparison.Ordinal))))
            .OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .Take(Math.Clamp(max, 0, 10_000));
        return Task.FromResult(found.ToImmutableArray());
    }

    public Task<int> Count() => Task.FromResult(_book.ById.Count);

    public async Task<CustomerImportReport> ImportCsv(string csv, string by)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (csv.Length > MaxImportCharacters)
        {
            return new CustomerImportReport(false, 0, 0, 0, [new CustomerImportRejection(1, $"the file is larger than {MaxImportCharacters:N0} characters; split it")]);
        }
        var (book, report) = _book.Import(csv, by, clock.Now);
        if (report.Imported)
        {
            await Commit(book);
            logger.LogInformation("Customer import by {User}: {Created} created, {Updated} updated", by, report.Created, report.Updated);
        }
        else
        {
            logger.LogInformation("Customer import by {User} refused: {Rejected} of {Rows} rows rejected", by, report.Rejected.Length, report.Rows);
        }
        return report;
    }

    public Task<string> ExportCsv() => Task.FromResult(CustomerCsv.Export(_book.ById.Values));

    public Task<long> GetVersion() => Task.FromResult(state.State.Version);

    public Task<CallerIndex> GetCallerIndex()
    {
        _index ??= new CallerIndex(state.State.Version, _book.ByPhone.ToImmutableDictionary(
            p => p.Key, p => new KnownCaller(p.Value, _book.ById[p.Value].Level), StringComparer.Ordinal));
        return Task.FromResult(_index);
    }

    private async Task Commit(CustomerBook book)
    {
        var before = (state.State.Customers, state.State.NextNumber, state.State.Version);
        state.State.Customers = [.. book.ById.Values];
        state.State.NextNumber = book.NextNumber;
        state.State.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored means not changed: the caller sees the error and the directory is as before.
            (state.State.Customers, state.State.NextNumber, state.State.Version) = before;
            throw;
        }
        _book = book;
        _index = null;
        callers.Update(await GetCallerIndex());
    }
}

[GenerateSerializer, Alias("customers.contacts-state")]
public sealed class CustomerContactsState
{
    [Id(0)] public List<CustomerContact> Contacts { get; set; } = [];
}

/// <summary>A customer's contact history (key "customer-contacts:&lt;customer id&gt;"), newest first, bounded.</summary>
public sealed class CustomerContactsGrain(
    [PersistentState("customer-contacts", CallCenterSiloExtensions.StorageName)] IPersistentState<CustomerContactsState> state) : Grain, ICustomerContactsGrain
{
    public async Task Append(CustomerContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var contacts = state.State.Contacts;
        if (contacts.Any(c => c.CallId == contact.CallId))
        {
            // A call resumed after a crash may end (and report) twice: one contact per call.
            return;
        }
        var at = contacts.FindIndex(c => c.At < contact.At);
        contacts.Insert(at < 0 ? contacts.Count : at, contact);
        if (contacts.Count > ICustomerContactsGrain.Capacity)
        {
            contacts.RemoveRange(ICustomerContactsGrain.Capacity, contacts.Count - ICustomerContactsGrain.Capacity);
        }
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<CustomerContact>> Recent(int count) =>
        Task.FromResult(state.State.Contacts.Take(Math.Clamp(count, 0, ICustomerContactsGrain.Capacity)).ToImmutableArray());
}
