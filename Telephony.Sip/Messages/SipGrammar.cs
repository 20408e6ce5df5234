using System.Text;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>Character classes and quoting rules of the SIP grammar (RFC 3261 §25.1).</summary>
public static class SipGrammar
{
    /// <summary>SP and HTAB, the whitespace of LWS (§25.1).</summary>
    public static readonly char[] WhitespaceChars = [' ', '\t'];

    /// <summary>token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").</summary>
    public static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';

    public static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>word = 1*(alphanum / token marks / "(" / ")" / "&lt;" / "&gt;" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"), used by Call-ID.</summary>
    public static bool IsWordChar(char c) =>
        IsTokenChar(c) || c is '(' or ')' or '<' or '>' or ':' or '\\' or '"' or '/' or '[' or ']' or '?' or '{' or '}';

    /// <summary>unreserved = alphanum / mark (RFC 3261 §25.1).</summary>
    public static bool IsUnreserved(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')';

    public static bool IsWhitespace(char c) => c is ' ' or '\t';

    /// <summary>True when a value may be written in a header without breaking the message framing.</summary>
    public static bool IsSafeHeaderValue(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\0')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes a quoted-string, escaping DQUOTE and backslash as quoted-pairs (§25.1).</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Validates %HH escapes and the allowed character set of a URI component.</summary>
    internal static void ValidateEscaped(ReadOnlySpan<char> text, Func<char, bool> isAllowed, string what)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    throw new SipParseException(SipParseError.InvalidUri, $"Bad escape in {what}");
                }

                i += 2;
                continue;
            }

            if (!isAllowed(c))
            {
                throw new SipParseException(SipParseError.InvalidUri, $"Invalid character in {what}");
            }
        }
    }
}
