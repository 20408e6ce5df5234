using System.Collections;
using System.Text;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>One ";name[=value]" parameter. A null value is a flag parameter such as ";lr" or ";rport".</summary>
public readonly record struct SipParameter(string Name, string? Value);

/// <summary>
/// An ordered, immutable list of parameters with case-insensitive names (RFC 3261 §7.3.1, §19.1.4).
/// Values are kept as written (a quoted-string keeps its quotes) so that writing reproduces the input.
/// </summary>
public sealed class SipParameters : IReadOnlyList<SipParameter>, IEquatable<SipParameters>
{
    public static SipParameters Empty { get; } = new([]);

    private readonly SipParameter[] _items;

    private SipParameters(SipParameter[] items) => _items = items;

    public static SipParameters Of(params SipParameter[] items)
    {
        foreach (var item in items)
        {
            Validate(item);
        }

        return items.Length == 0 ? Empty : new SipParameters(items.ToArray());
    }

    public int Count => _items.Length;

    public SipParameter this[int index] => _items[index];

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The value of the first parameter with that name; null when absent or a flag.</summary>
    public string? Get(string name)
    {
        var index = IndexOf(name);
        return index < 0 ? null : _items[index].Value;
    }

    /// <summary>Replaces the first parameter with that name, or appends it.</summary>
    public SipParameters With(string name, string? value)
    {
        var parameter = new SipParameter(name, value);
        Validate(parameter);
        var index = IndexOf(name);
        var items = index < 0 ? [.. _items, parameter] : _items.ToArray();
        if (index >= 0)
        {
            items[index] = parameter;
        }

        return new SipParameters(items);
    }

    public SipParameters Without(string name) =>
        Contains(name) ? new SipParameters(_items.Where(p => !string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).ToArray()) : this;

    /// <summary>Appends ";name=value" for each parameter.</summary>
    public void AppendTo(StringBuilder builder)
    {
        foreach (var (name, value) in _items)
        {
            builder.Append(';').Append(name);
            if (value is not null)
            {
                builder.Append('=').Append(value);
            }
        }
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        AppendTo(builder);
        return builder.ToString();
    }

    public IEnumerator<SipParameter> GetEnumerator() => ((IEnumerable<SipParameter>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(SipParameters? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        for (var i = 0; i < _items.Length; i++)
        {
            if (!string.Equals(_items[i].Name, other._items[i].Name, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(_items[i].Value, other._items[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as SipParameters);

    public override int GetHashCode() => _items.Length;

    /// <summary>Unquotes a quoted-string value, resolving quoted-pairs; other values pass through.</summary>
    public static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1)
            {
                i++;
            }

            builder.Append(value[i]);
        }

        return builder.ToString();
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < _items.Length; i++)
        {
            if (string.Equals(_items[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Characters that would end or split a parameter when written unquoted (header or URI parameter).</summary>
    private const string Delimiters = ";,?=<>\" \t\r\n\0";

    private static void Validate(SipParameter parameter)
    {
        if (parameter.Name.Length == 0 || parameter.Name.AsSpan().IndexOfAny(Delimiters) >= 0)
        {
            throw new ArgumentException($"Parameter name '{parameter.Name}' cannot be written.", nameof(parameter));
        }

        if (parameter.Value is not { } value)
        {
            return;
        }

        var quoted = value.Length >= 2 && value[0] == '"' && value[^1] == '"';
        if (value.Length == 0 || !SipGrammar.IsSafeHeaderValue(value) || (!quoted && value.AsSpan().IndexOfAny(Delimiters) >= 0))
        {
            throw new ArgumentException($"Parameter value '{value}' cannot be written unquoted.", nameof(parameter));
        }
    }

    /// <summary>
    /// Reads header parameters (generic-param, §25.1) from <paramref name="text"/> starting at a ';'.
    /// Whitespace around ';' and '=' is allowed; a value is a token, a host or a quoted-string.
    /// </summary>
    internal static SipParameters ParseHeaderParameters(string text, ref int position, string headerName)
    {
        List<SipParameter>? items = null;
        while (true)
        {
            SkipWhitespace(text, ref position);
            if (position >= text.Length || text[position] != ';')
            {
                break;
            }

            position++;
            SkipWhitespace(text, ref position);
            var nameStart = position;
            while (position < text.Length && SipGrammar.IsTokenChar(text[position]))
            {
                position++;
            }

            if (position == nameStart)
            {
                throw Invalid(headerName, "parameter name");
            }

            var name = text[nameStart..position];
            string? value = null;
            SkipWhitespace(text, ref position);
            if (position < text.Length && text[position] == '=')
            {
                position++;
                SkipWhitespace(text, ref position);
                value = position < text.Length && text[position] == '"'
                    ? ReadQuotedString(text, ref position, headerName)
                    : ReadParameterValue(text, ref position, headerName);
            }

            (items ??= []).Add(new SipParameter(name, value));
        }

        return items is null ? Empty : new SipParameters([.. items]);
    }

    /// <summary>Reads URI parameters (uri-parameters, §25.1): no whitespace, paramchar set with %HH escapes.</summary>
    internal static SipParameters ParseUriParameters(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return Empty;
        }

        var items = new List<SipParameter>();
        foreach (var range in text.Split(';'))
        {
            var part = text[range];
            if (part.IsEmpty)
            {
                throw new SipParseException(SipParseError.InvalidUri, "Empty URI parameter");
            }

            var equals = part.IndexOf('=');
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? default : part[(equals + 1)..];
            SipGrammar.ValidateEscaped(name, IsParamChar, "URI parameter");
            if (equals >= 0)
            {
                if (value.IsEmpty)
                {
                    throw new SipParseException(SipParseError.InvalidUri, "Empty URI parameter value");
                }

                SipGrammar.ValidateEscaped(value, IsParamChar, "URI parameter");
            }

            items.Add(new SipParameter(name.ToString(), equals < 0 ? null : value.ToString()));
        }

        return new SipParameters([.. items]);
    }

    /// <summary>paramchar = param-unreserved / unreserved / escaped (§25.1).</summary>
    internal static bool IsParamChar(char c) =>
        SipGrammar.IsUnreserved(c) || c is '[' or ']' or '/' or ':' or '&' or '+' or '$';

    internal static string ReadQuotedString(string text, ref int position, string headerName)
    {
        var start = position;
        position++;
        while (position < text.Length)
        {
            var c = text[position];
            if (c == '\\')
            {
                position += 2;
                continue;
            }

            position++;
            if (c == '"')
            {
                return text[start..position];
            }
        }

        throw Invalid(headerName, "quoted string");
    }

    private static string ReadParameterValue(string text, ref int position, string headerName)
    {
        var start = position;

        // gen-value = token / host / quoted-string; a host may be an IPv6 reference in brackets.
        while (position < text.Length && (SipGrammar.IsTokenChar(text[position]) || text[position] is ':' or '[' or ']'))
        {
            position++;
        }

        if (position == start)
        {
            throw Invalid(headerName, "parameter value");
        }

        return text[start..position];
    }

    internal static void SkipWhitespace(string text, ref int position)
    {
        while (position < text.Length && SipGrammar.IsWhitespace(text[position]))
        {
            position++;
        }
    }

    internal static SipParseException Invalid(string headerName, string part) =>
        new(SipParseError.InvalidHeaderValue, $"Invalid {part} in {headerName} header");
}
