using System.Collections.Immutable;

namespace CallCenter.Customers;

/// <summary>
/// The customer directory as a value: profiles by id and the caller-id index that makes each
/// number belong to one customer. Every change returns a new book or throws with the reason;
/// a refused change leaves the book as it was.
/// </summary>
public sealed record CustomerBook
{
    public const string IdPrefix = "c-";

    public static readonly CustomerBook Empty = new();

    public ImmutableSortedDictionary<string, CustomerProfile> ById { get; init; } = ImmutableSortedDictionary.Create<string, CustomerProfile>(StringComparer.Ordinal);
    public ImmutableDictionary<string, string> ByPhone { get; init; } = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);
    /// <summary>The number the next assigned id is tried with.</summary>
    public long NextNumber { get; init; } = 1;

    public static CustomerBook From(IEnumerable<CustomerProfile> profiles, long nextNumber)
    {
        var byId = ImmutableSortedDictionary.CreateBuilder<string, CustomerProfile>(StringComparer.Ordinal);
        var byPhone = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var profile in profiles)
        {
            byId[profile.Id] = profile;
            foreach (var phone in profile.Phones)
            {
                byPhone[phone] = profile.Id;
            }
        }
        return new CustomerBook { ById = byId.ToImmutable(), ByPhone = byPhone.ToImmutable(), NextNumber = nextNumber };
    }

    public CustomerProfile? Find(string id) => ById.GetValueOrDefault(id);

    public CustomerProfile? FindByPhone(string phone) =>
        CustomerRules.NormalizePhone(phone) is { } normal && ByPhone.TryGetValue(normal, out var id) ? ById[id] : null;

    /// <summary>Creates (empty id: one is assigned) or replaces a customer.</summary>
    public (CustomerBook Book, CustomerProfile Saved) Save(CustomerProfile profile, string by, DateTimeOffset at)
    {
        var (normal, error) = CustomerRules.Normalize(profile);
        if (normal is null)
        {
            throw new ArgumentException($"Customer not saved: {error}.", nameof(profile));
        }
        foreach (var phone in normal.Phones)
        {
            if (ByPhone.TryGetValue(phone, out var owner) && owner != normal.Id)
            {
                throw new ArgumentException($"Customer not saved: phone {phone} belongs to customer {owner} ({ById[owner].Name}).", nameof(profile));
            }
        }
        var next = NextNumber;
        var id = normal.Id.Length > 0 ? normal.Id : AssignId(ref next, ById.ContainsKey);
        var saved = normal with { Id = id, UpdatedBy = by, UpdatedAt = at };
        return (With(saved) with { NextNumber = next }, saved);
    }

    /// <summary>Removes a customer and its numbers; an unknown id leaves the book as it is and removes nothing.</summary>
    public (CustomerBook Book, CustomerProfile? Removed) Delete(string id) =>
        ById.TryGetValue(id, out var removed) ? (Without(id), removed) : (this, null);

    /// <summary>
    /// Checks every row of a CSV import against the file itself and against this book; imports all
    /// of them (a row with a known id replaces that customer) or, when any row is refused, none.
    /// </summary>
    public (CustomerBook Book, CustomerImportReport Report) Import(string csv, string by, DateTimeOffset at)
    {
        var (records, syntax) = CustomerCsv.Parse(csv);
        var rejected = syntax.Select(e => new CustomerImportRejection(e.Line, e.Reason)).ToList();
        if (records.IsEmpty)
        {
            rejected.Add(new CustomerImportRejection(1, "the file has no header row (expected: " + string.Join(",", CustomerCsv.Columns) + ")"));
            return (this, Refused(0, rejected));
        }
        var header = records[0];
        var columns = header.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
        var headerProblem = columns.FirstOrDefault(c => !CustomerCsv.Columns.Contains(c)) is { } unknown ? $"unknown column '{unknown}' (known: {string.Join(",", CustomerCsv.Columns)})"
            : columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1) is { } twice ? $"column '{twice.Key}' appears twice"
            : CustomerCsv.RequiredColumns.FirstOrDefault(r => !columns.Contains(r)) is { } missing ? $"the header has no '{missing}' column"
            : null;
        if (headerProblem is not null)
        {
            rejected.Insert(0, new CustomerImportRejection(header.Line, headerProblem));
            return (this, Refused(records.Length - 1, rejected));
        }

        var rows = new List<(int Line, CustomerProfile Profile)>();
        foreach (var record in records.Skip(1))
        {
            if (record.Fields.Length != columns.Count)
            {
                rejected.Add(new(record.Line, $"{record.Fields.Length} fields where the header has {columns.Count}"));
                continue;
            }
            string Field(string column) => columns.IndexOf(column) is var index and >= 0 ? record.Fields[index] : "";
            if (!CustomerRules.TryParseLevel(Field("level"), out var level))
            {
                rejected.Add(new(record.Line, $"level '{Field("level")}' is not one of {string.Join(", ", Enum.GetValues<CustomerLevel>().Select(CustomerRules.LevelName))}"));
                continue;
            }
            var draft = new CustomerProfile
            {
                Id = Field("id"),
                Name = Field("name"),
                Phones = [.. Field("phones").Split(CustomerCsv.PhoneSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
                Level = level,
                Region = Field("region"),
                Notes = Field("notes"),
            };
            var (profile, error) = CustomerRules.Normalize(draft);
            if (profile is null)
            {
                rejected.Add(new(record.Line, error!));
                continue;
            }
            rows.Add((record.Line, profile));
        }

        // Numbers are checked against the book as it will be after the import: customers the file
        // replaces give up their old numbers, everyone else keeps theirs.
        var replaced = rows.Where(r => r.Profile.Id.Length > 0).Select(r => r.Profile.Id).ToHashSet(StringComparer.Ordinal);
        var idLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var phoneLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, profile) in rows)
        {
            if (profile.Id.Length > 0 && !idLine.TryAdd(profile.Id, line))
            {
                rejected.Add(new(line, $"id {profile.Id} is also on line {idLine[profile.Id]}"));
                continue;
            }
            foreach (var phone in profile.Phones)
            {
                if (phoneLine.TryGetValue(phone, out var other))
                {
                    rejected.Add(new(line, $"duplicate phone {phone} (also on line {other})"));
                    break;
                }
                phoneLine[phone] = line;
                if (ByPhone.TryGetValue(phone, out var owner) && owner != profile.Id && !replaced.Contains(owner))
                {
                    rejected.Add(new(line, $"duplicate phone {phone}: it belongs to customer {owner} ({ById[owner].Name})"));
                    break;
                }
            }
        }
        if (rejected.Count > 0)
        {
            return (this, Refused(records.Length - 1, rejected));
        }

        var book = this;
        foreach (var id in replaced)
        {
            book = book.Without(id);
        }
        var next = NextNumber;
        var (created, updated) = (0, 0);
        foreach (var (_, profile) in rows)
        {
            if (profile.Id.Length > 0 && ById.ContainsKey(profile.Id)) updated++;
            else created++;
            var id = profile.Id.Length > 0 ? profile.Id : AssignId(ref next, candidate => book.ById.ContainsKey(candidate) || replaced.Contains(candidate));
            book = book.With(profile with { Id = id, UpdatedBy = by, UpdatedAt = at });
        }
        return (book with { NextNumber = next }, new CustomerImportReport(true, rows.Count, created, updated, []));
    }

    private static CustomerImportReport Refused(int rows, List<CustomerImportRejection> rejected) =>
        new(false, rows, 0, 0, [.. rejected.OrderBy(r => r.Line)]);

    private static string AssignId(ref long next, Func<string, bool> taken)
    {
        string id;
        do
        {
            id = $"{IdPrefix}{next++:00000}";
        }
        while (taken(id));
        return id;
    }

    private CustomerBook With(CustomerProfile profile)
    {
        var book = Without(profile.Id);
        var byPhone = book.ByPhone.SetItems(profile.Phones.Select(p => KeyValuePair.Create(p, profile.Id)));
        return book with { ById = book.ById.SetItem(profile.Id, profile), ByPhone = byPhone };
    }

    private CustomerBook Without(string id) =>
        ById.TryGetValue(id, out var old)
            ? this with { ById = ById.Remove(id), ByPhone = ByPhone.RemoveRange(old.Phones) }
            : this;
}
