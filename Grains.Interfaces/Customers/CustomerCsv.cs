using System.Collections.Immutable;
using System.Text;

namespace CallCenter.Customers;

/// <summary>One record of a CSV file and the line it starts on (1-based; a quoted field may span lines).</summary>
public sealed record CsvRecord(int Line, ImmutableArray<string> Fields);

/// <summary>A record that cannot be read as CSV (a stray or unterminated quote).</summary>
public sealed record CsvSyntaxError(int Line, string Reason);

/// <summary>
/// CSV as RFC 4180 writes it: comma-separated, fields with a comma, quote or line break in double
/// quotes, a quote inside doubled. Lines may end in CRLF or LF; a UTF-8 byte order mark is skipped.
/// </summary>
public static class CustomerCsv
{
    public static readonly ImmutableArray<string> Columns = ["id", "name", "phones", "level", "region", "notes"];
    public static readonly ImmutableArray<string> RequiredColumns = ["name", "phones"];
    /// <summary>Separates a customer's numbers inside the phones field (a comma would need quoting).</summary>
    public const char PhoneSeparator = ';';

    /// <summary>Splits the text into records; blank lines are skipped. A record with a syntax error is reported, not returned.</summary>
    public static (ImmutableArray<CsvRecord> Records, ImmutableArray<CsvSyntaxError> Errors) Parse(string text)
    {
        var records = ImmutableArray.CreateBuilder<CsvRecord>();
        var errors = ImmutableArray.CreateBuilder<CsvSyntaxError>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var quoted = false;      // inside a quoted field
        var wasQuoted = false;   // the current field was quoted and its closing quote seen
        string? error = null;

        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            if (error is not null)
            {
                errors.Add(new CsvSyntaxError(recordLine, error));
            }
            else if (!(fields.Count == 1 && fields[0].Length == 0 && !wasQuoted))
            {
                records.Add(new CsvRecord(recordLine, [.. fields]));
            }
            fields.Clear();
            error = null;
            wasQuoted = false;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                        wasQuoted = true;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\r' or '\n':
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                case '"' when field.Length == 0 && !wasQuoted:
                    quoted = true;
                    break;
                case '"':
                    error ??= "a quote inside an unquoted field (quote the whole field and double the quote)";
                    break;
                default:
                    if (wasQuoted)
                    {
                        error ??= "text after the closing quote of a field";
                    }
                    field.Append(c);
                    break;
            }
        }
        if (quoted)
        {
            error ??= "a quoted field is not closed before the end of the file";
        }
        if (field.Length > 0 || fields.Count > 0 || wasQuoted || error is not null)
        {
            EndRecord();
        }
        return (records.ToImmutable(), errors.ToImmutable());
    }

    /// <summary>Writes records with CRLF line ends, quoting only the fields that need it.</summary>
    public static string Write(IEnumerable<IReadOnlyList<string>> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            if (record is [""])
            {
                // An empty line would be skipped as blank when read back.
                text.Append("\"\"\r\n");
                continue;
            }
            for (var f = 0; f < record.Count; f++)
            {
                if (f > 0)
                {
                    text.Append(',');
                }
                AppendField(text, record[f]);
            }
            text.Append("\r\n");
        }
        return text.ToString();
    }

    private static void AppendField(StringBuilder text, string value)
    {
        if (value.Length == 0 || value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            text.Append(value);
            return;
        }
        text.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    /// <summary>The directory's customers as an import file: header row, then one row per customer.</summary>
    public static string Export(IEnumerable<CustomerProfile> customers) =>
        Write(customers.Select(c => (IReadOnlyList<string>)[
            c.Id, c.Name, string.Join(PhoneSeparator, c.Phones), CustomerRules.LevelName(c.Level), c.Region ?? "", c.Notes ?? ""])
            .Prepend(Columns));
}
