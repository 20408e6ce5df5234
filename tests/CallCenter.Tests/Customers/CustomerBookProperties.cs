using System.Collections.Immutable;
using CallCenter.Customers;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Customers;

/// <summary>
/// Validation and the all-or-nothing import: a file with any bad row imports nothing and names
/// each bad row's line; a good file imports every row; an export imports back to the same customers.
/// </summary>
public sealed class CustomerBookProperties
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string Header = "id,name,phones,level,region,notes";

    private static readonly Gen<CustomerProfile> ValidProfiles =
        from name in Gen.Elements("Zhang San", "李四", "O'Brien, Pat", "Wang \"Boss\" Wu", "Ana")
        from phoneCount in Gen.Choose(1, 3)
        from level in Gen.Elements(Enum.GetValues<CustomerLevel>())
        from region in Gen.Elements<string?>(null, "bj", "上海")
        from notes in Gen.Elements<string?>(null, "prefers email", "multi\nline, \"notes\"")
        select new CustomerProfile { Name = name, Phones = [.. Enumerable.Range(0, phoneCount).Select(i => $"0{i}")], Level = level, Region = region, Notes = notes };

    /// <summary>Valid customers with distinct numbers (a fresh number per phone).</summary>
    private static readonly Arbitrary<CustomerProfile[]> Books =
        ValidProfiles.ArrayOf().Select(profiles =>
        {
            var next = 10_000_000;
            return profiles.Select(p => p with { Phones = [.. p.Phones.Select(_ => $"021{next++}")] }).ToArray();
        }).ToArbitrary();

    private static readonly (string Row, string Reason)[] BadRows =
    [
        (",,13900000001,normal,,", "name is missing"),
        (",Bad Level,13900000002,platinum,,", "level 'platinum'"),
        (",No Phone,,gold,,", "no phone number"),
        (",Letters,abc-def,normal,,", "is not a phone number"),
        (",Too,13900000003,normal", "fields where the header has"),
        (",Dup,02110000000,normal,,", "duplicate phone 02110000000"),
        (",Quote,13900000004,vip,a\"b,", "quote inside an unquoted field"),
    ];

    private static string Row(CustomerProfile p) =>
        CustomerCsv.Write([[p.Id, p.Name, string.Join(';', p.Phones), CustomerRules.LevelName(p.Level), p.Region ?? "", p.Notes ?? ""]]).TrimEnd('\r', '\n');

    private static CustomerBook Imported(CustomerProfile[] profiles)
    {
        var text = string.Join("\n", profiles.Select(Row).Prepend(Header));
        var (book, report) = CustomerBook.Empty.Import(text, "test", At);
        Assert.True(report.Imported, string.Join("; ", report.Rejected));
        return book;
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property A_good_file_imports_every_row_and_its_export_imports_back_the_same() =>
        Prop.ForAll(Books, profiles =>
        {
            var book = Imported(profiles);
            Assert.Equal(profiles.Length, book.ById.Count);
            foreach (var p in profiles)
            {
                var found = book.FindByPhone(p.Phones[0]);
                Assert.NotNull(found);
                Assert.Equal((p.Name.Trim(), p.Level, p.Notes?.Trim()), (found.Name, found.Level, found.Notes));
            }
            var (again, report) = CustomerBook.Empty.Import(CustomerCsv.Export(book.ById.Values), "test", At);
            Assert.True(report.Imported);
            Assert.Equal(CustomerCsv.Export(book.ById.Values), CustomerCsv.Export(again.ById.Values));
        });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property A_file_with_a_bad_row_imports_nothing_and_names_the_row_and_reason() =>
        Prop.ForAll(Books, Gen.Elements(BadRows).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (profiles, bad, where) =>
        {
            // The existing book owns 02110000000, so a row with that number is a duplicate.
            var (existing, _) = CustomerBook.Empty.Save(new CustomerProfile { Name = "Existing", Phones = ["02110000000"] }, "test", At);
            var fresh = profiles.Select(p => p with { Phones = [.. p.Phones.Select(n => "022" + n[3..])] }).ToList();
            var rows = fresh.Select(Row).ToList();
            var index = where % (rows.Count + 1);
            rows.Insert(index, bad.Row);
            var text = string.Join("\r\n", rows.Prepend(Header));

            var (after, report) = existing.Import(text, "test", At);

            Assert.False(report.Imported);
            Assert.Same(existing, after);
            var rejection = Assert.Single(report.Rejected);
            var line = 2 + rows.Take(index).Sum(r => 1 + r.Count(c => c == '\n'));
            Assert.Equal(line, rejection.Line);
            Assert.Contains(bad.Reason, rejection.Reason, StringComparison.Ordinal);
        });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Any_spelling_of_a_number_normalises_to_one_form_and_normalising_is_idempotent() =>
        Prop.ForAll(Gen.Choose(0, 99_999_999).ToArbitrary(), Gen.Elements(" ", "-", ".", "").ToArbitrary(), (n, separator) =>
        {
            var digits = $"010{n:00000000}";
            var spelled = $"({digits[..3]}){separator}{digits[3..7]}{separator}{digits[7..]}";
            Assert.Equal(digits, CustomerRules.NormalizePhone(spelled));
            Assert.Equal(digits, CustomerRules.NormalizePhone(CustomerRules.NormalizePhone(spelled)));
            Assert.Equal("+86" + digits, CustomerRules.NormalizePhone(" +86 " + spelled));
        });

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("call me")]
    [InlineData("++861234")]
    [InlineData("123456789012345678901")]
    public void Not_a_phone_number(string text) => Assert.Null(CustomerRules.NormalizePhone(text));

    [Fact]
    public void Two_rows_with_one_number_are_both_named_by_line()
    {
        var (book, report) = CustomerBook.Empty.Import($"{Header}\n,A,13800000000,normal,,\n,B,138-0000-0000,vip,,\n,C,13700000000,gold,,\n", "t", At);
        Assert.False(report.Imported);
        Assert.Same(CustomerBook.Empty, book);
        var rejection = Assert.Single(report.Rejected);
        Assert.Equal((3, "duplicate phone 13800000000 (also on line 2)"), (rejection.Line, rejection.Reason));
    }

    [Fact]
    public void A_header_that_is_not_ours_refuses_the_file_at_line_one()
    {
        var (_, report) = CustomerBook.Empty.Import("name,phone\nA,13800000000\n", "t", At);
        Assert.False(report.Imported);
        Assert.Equal(1, report.Rejected[0].Line);
        Assert.Contains("unknown column 'phone'", report.Rejected[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reimporting_a_customer_by_id_replaces_it_and_may_move_its_numbers()
    {
        var book = Imported([new CustomerProfile { Name = "A", Phones = ["13800000001"] }, new CustomerProfile { Name = "B", Phones = ["13800000002"] }]);
        var a = book.FindByPhone("13800000001")!;
        var b = book.FindByPhone("13800000002")!;
        // A gives its number to B in the same file: allowed, the file describes the end state.
        var (after, report) = book.Import($"{Header}\n{a.Id},A,13800000003,gold,,\n{b.Id},B,13800000002;13800000001,vip,,\n", "t", At);
        Assert.True(report.Imported, string.Join("; ", report.Rejected));
        Assert.Equal((0, 2), (report.Created, report.Updated));
        Assert.Equal(b.Id, after.FindByPhone("13800000001")!.Id);
        Assert.Equal(CustomerLevel.Gold, after.Find(a.Id)!.Level);
    }

    [Fact]
    public void Saving_a_number_that_belongs_to_another_customer_is_refused_and_changes_nothing()
    {
        var (book, first) = CustomerBook.Empty.Save(new CustomerProfile { Name = "First", Phones = ["13800000001"] }, "t", At);
        var error = Assert.Throws<ArgumentException>(() => book.Save(new CustomerProfile { Name = "Second", Phones = ["138 0000 0001"] }, "t", At));
        Assert.Contains($"belongs to customer {first.Id}", error.Message, StringComparison.Ordinal);
        Assert.Single(book.ById);
        Assert.Throws<ArgumentException>(() => book.Save(new CustomerProfile { Name = " ", Phones = ["13800000009"] }, "t", At));
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property Deleting_a_customer_frees_exactly_its_numbers_and_an_unknown_id_changes_nothing() =>
        Prop.ForAll(Books, Gen.Choose(0, 1000).ToArbitrary(), (profiles, pick) =>
        {
            var book = Imported(profiles);
            var (same, none) = book.Delete("c-no-such");
            Assert.Null(none);
            Assert.Same(book, same);
            if (book.ById.Count == 0)
            {
                return;
            }
            var victim = book.ById.Values.ElementAt(pick % book.ById.Count);
            var (after, removed) = book.Delete(victim.Id);
            Assert.Equal(victim, removed);
            Assert.Equal(book.ById.Remove(victim.Id), after.ById);
            Assert.Equal(book.ByPhone.RemoveRange(victim.Phones), after.ByPhone);
            Assert.All(victim.Phones, p => Assert.Null(after.FindByPhone(p)));
            // A freed number may be given to another customer.
            var (reused, _) = after.Save(new CustomerProfile { Name = "New owner", Phones = [victim.Phones[0]] }, "t", At);
            Assert.NotEqual(victim.Id, reused.FindByPhone(victim.Phones[0])!.Id);
        });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property A_level_floor_raises_a_priority_never_lowers_it() =>
        Prop.ForAll(Gen.Choose(0, 50).ToArbitrary(), Gen.Elements(Enum.GetValues<CustomerLevel>().Cast<CustomerLevel?>().Append(null).ToArray()).ToArbitrary(), (priority, level) =>
        {
            var floors = new CustomerOptions().MinimumPriority;
            var raised = CustomerPriority.Raise(priority, level, floors);
            Assert.True(raised >= priority);
            Assert.Equal(level == CustomerLevel.Vip ? Math.Max(priority, 10) : priority, raised);
        });

    [Fact]
    public void Options_refuse_a_floor_that_falls_with_the_level()
    {
        var options = new CustomerOptions { MinimumPriority = new() { [CustomerLevel.Gold] = 8, [CustomerLevel.Vip] = 5 } };
        Assert.Contains(options.Validate(), e => e.Contains("must not fall from Gold", StringComparison.Ordinal));
        Assert.Empty(new CustomerOptions().Validate());
    }
}
