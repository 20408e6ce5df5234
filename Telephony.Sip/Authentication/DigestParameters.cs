using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Authentication;

/// <summary>
/// The "Digest" auth-param list of WWW-Authenticate, Authorization and their Proxy- twins
/// (RFC 3261 §25.1 challenge/credentials, RFC 2617 §3.2): comma-separated name=value, values token or quoted.
/// </summary>
internal static class DigestParameters
{
    public const string Scheme = "Digest";

    /// <summary>Bounds parsing of hostile headers: Digest uses about ten parameters.</summary>
    private const int MaxParameters = 32;

    public static Dictionary<string, string> Parse(string value, string headerName)
    {
        var text = value.Trim(SipGrammar.WhitespaceChars);
        var space = text.IndexOfAny([' ', '\t']);
        if (space < 0 || !text.AsSpan(0, space).Equals(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new SipParseException(SipParseError.InvalidHeaderValue, $"Expected Digest in {headerName} header");
        }

        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in SipHeaderList.Split(text[(space + 1)..]))
        {
            var equals = item.IndexOf('=');
            if (equals <= 0)
            {
                throw SipParameters.Invalid(headerName, "auth parameter");
            }

            var name = item.AsSpan(0, equals).TrimEnd(SipGrammar.WhitespaceChars);
            var raw = item.AsSpan(equals + 1).TrimStart(SipGrammar.WhitespaceChars).ToString();
            if (!SipGrammar.IsToken(name) || raw.Length == 0 || (raw[0] == '"' && (raw.Length < 2 || raw[^1] != '"')))
            {
                throw SipParameters.Invalid(headerName, "auth parameter");
            }

            if (raw[0] != '"' && !SipGrammar.IsToken(raw))
            {
                throw SipParameters.Invalid(headerName, "auth parameter");
            }

            if (result.Count == MaxParameters || !result.TryAdd(name.ToString(), SipParameters.Unquote(raw)))
            {
                throw SipParameters.Invalid(headerName, "auth parameter");
            }
        }

        return result;
    }

    public static string Write(IEnumerable<(string Name, string Value, bool Quoted)> parameters)
    {
        var builder = new StringBuilder(Scheme).Append(' ');
        var first = true;
        foreach (var (name, value, quoted) in parameters)
        {
            if (!first)
            {
                builder.Append(", ");
            }

            first = false;
            builder.Append(name).Append('=').Append(quoted ? SipGrammar.Quote(value) : value);
        }

        return builder.ToString();
    }
}
