using System.Collections.Immutable;
using CallCenter.Customers;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Customers;

/// <summary>The CSV reader and writer: anything written reads back the same, with the line each record starts on.</summary>
public sealed class CustomerCsvProperties
{
    // Commas, quotes, line breaks, spaces and Chinese text are the cases quoting exists for.
    private static readonly Gen<string> Fields =
        Gen.Elements("", "a", "Zhang San", "张三", ",", "\"", "\r\n", "\n", " ", "x,y", "say \"hi\"", "line1\nline2", "+86 10", "vip")
            .ArrayOf().Select(parts => string.Concat(parts.Take(4)));

    private static readonly Arbitrary<string[][]> Tables =
        Gen.Choose(1, 5).SelectMany(width => Fields.ArrayOf(width).ArrayOf()).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Every_written_table_reads_back_field_for_field() =>
        Prop.ForAll(Tables, table =>
        {
            var (records, errors) = CustomerCsv.Parse(CustomerCsv.Write(table));
            Assert.Empty(errors);
            Assert.Equal(table.Length, records.Length);
            for (var r = 0; r < table.Length; r++)
            {
                Assert.Equal(table[r], records[r].Fields.ToArray());
            }
        });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property A_records_line_is_where_it_starts_counting_line_breaks_inside_quotes() =>
        Prop.ForAll(Tables, table =>
        {
            var (records, _) = CustomerCsv.Parse(CustomerCsv.Write(table));
            var line = 1;
            for (var r = 0; r < table.Length; r++)
            {
                Assert.Equal(line, records[r].Line);
                line += 1 + table[r].Sum(f => f.Count(c => c == '\n'));
            }
        });

    [Theory]
    [InlineData("a,b\"c\r\n", 1, "a quote inside an unquoted field")]
    [InlineData("ok,row\n\"open,field\n", 2, "not closed")]
    [InlineData("x\n\"quoted\"tail,y\n", 2, "after the closing quote")]
    public void A_malformed_record_is_reported_with_its_line_and_the_good_ones_are_kept(string text, int line, string reason)
    {
        var (records, errors) = CustomerCsv.Parse(text);
        var error = Assert.Single(errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal(line - 1, records.Length);
    }

    [Fact]
    public void A_byte_order_mark_and_blank_lines_are_skipped()
    {
        var (records, errors) = CustomerCsv.Parse("\uFEFFname,phones\n\n王芳,13800000000\n");
        Assert.Empty(errors);
        Assert.Equal(["name", "phones"], records[0].Fields.ToArray());
        Assert.Equal((3, "王芳"), (records[1].Line, records[1].Fields[0]));
    }
}
