using System.Globalization;
using System.Text;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

public enum SipUriScheme
{
    Sip,
    Sips,
    Tel,
}

/// <summary>
/// A SIP or SIPS URI (RFC 3261 §19.1, §25.1) or a tel URI (RFC 3966). Components are kept as written
/// (escapes included) so that <see cref="ToString"/> reproduces canonical input exactly.
/// For tel URIs <see cref="User"/> holds the telephone number and <see cref="Host"/> is empty.
/// </summary>
public sealed record SipUri
{
    public const int DefaultSipPort = 5060;
    public const int DefaultSipsPort = 5061;
    private const int MaxPort = 65_535;
    private const int MaxPortDigits = 5;

    public SipUriScheme Scheme { get; init; } = SipUriScheme.Sip;

    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>Host name, IPv4 address or bracketed IPv6 reference, as written.</summary>
    public string Host { get; init; } = "";

    public int? Port { get; init; }

    public SipParameters Parameters { get; init; } = SipParameters.Empty;

    /// <summary>URI headers after '?', e.g. Replaces in a Refer-To target (RFC 3515, RFC 3891). Kept escaped.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public bool IsSecure => Scheme == SipUriScheme.Sips;

    /// <summary>The port a client should use when none is given (§19.1.2).</summary>
    public int EffectivePort => Port ?? (IsSecure ? DefaultSipsPort : DefaultSipPort);

    /// <summary>The ";transport=" URI parameter, if any.</summary>
    public string? Transport => Parameters.Get("transport");

    /// <summary>True when the URI carries ";lr", i.e. the element is a loose router (§16.12, §19.1.1).</summary>
    public bool IsLooseRouter => Parameters.Contains("lr");

    public static SipUri Parse(string text)
    {
        var scheme = ParseScheme(text, out var rest);
        return scheme == SipUriScheme.Tel ? ParseTel(rest) : ParseSip(scheme, rest);
    }

    public static bool TryParse(string text, out SipUri? uri)
    {
        try
        {
            uri = Parse(text);
            return true;
        }
        catch (SipParseException)
        {
            uri = null;
            return false;
        }
    }

    public SipUri WithParameter(string name, string? value) => this with { Parameters = Parameters.With(name, value) };

    public SipUri WithoutParameter(string name) => this with { Parameters = Parameters.Without(name) };

    /// <summary>The URI header value with that name, unescaped (e.g. Replaces=call%40host → call@host).</summary>
    public string? GetHeader(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return Uri.UnescapeDataString(value);
            }
        }

        return null;
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(Scheme switch
        {
            SipUriScheme.Sips => "sips:",
            SipUriScheme.Tel => "tel:",
            _ => "sip:",
        });
        if (Scheme == SipUriScheme.Tel)
        {
            builder.Append(User);
            Parameters.AppendTo(builder);
            return builder.ToString();
        }

        if (User is not null)
        {
            builder.Append(User);
            if (Password is not null)
            {
                builder.Append(':').Append(Password);
            }

            builder.Append('@');
        }

        builder.Append(Host);
        if (Port is { } port)
        {
            builder.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        Parameters.AppendTo(builder);
        for (var i = 0; i < Headers.Count; i++)
        {
            builder.Append(i == 0 ? '?' : '&').Append(Headers[i].Key).Append('=').Append(Headers[i].Value);
        }

        return builder.ToString();
    }

    /// <summary>
    /// URI equivalence (§19.1.4, simplified): scheme, user and password case-sensitive after unescaping, host
    /// case-insensitive, same port, and the transport/user/method/ttl/maddr parameters equal where present in either.
    /// </summary>
    public bool IsEquivalentTo(SipUri other)
    {
        if (Scheme != other.Scheme
            || !string.Equals(Unescape(User), Unescape(other.User), StringComparison.Ordinal)
            || !string.Equals(Unescape(Password), Unescape(other.Password), StringComparison.Ordinal)
            || !string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
            || Port != other.Port)
        {
            return false;
        }

        foreach (var name in (string[])["transport", "user", "method", "ttl", "maddr"])
        {
            if (!string.Equals(Parameters.Get(name), other.Parameters.Get(name), StringComparison.OrdinalIgnoreCase)
                || Parameters.Contains(name) != other.Parameters.Contains(name))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Two URIs are equal when they are written the same way; see <see cref="IsEquivalentTo"/> for §19.1.4.</summary>
    public bool Equals(SipUri? other) => other is not null && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static string? Unescape(string? value) => value is null ? null : Uri.UnescapeDataString(value);

    private static SipUriScheme ParseScheme(string text, out string rest)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0)
        {
            throw new SipParseException(SipParseError.InvalidUri, "URI without scheme");
        }

        var scheme = text.AsSpan(0, colon);
        rest = text[(colon + 1)..];
        if (scheme.Equals("sip", StringComparison.OrdinalIgnoreCase))
        {
            return SipUriScheme.Sip;
        }

        if (scheme.Equals("sips", StringComparison.OrdinalIgnoreCase))
        {
            return SipUriScheme.Sips;
        }

        if (scheme.Equals("tel", StringComparison.OrdinalIgnoreCase))
        {
            return SipUriScheme.Tel;
        }

        foreach (var c in scheme)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                throw new SipParseException(SipParseError.InvalidUri, "Invalid URI scheme");
            }
        }

        throw new SipParseException(SipParseError.UnsupportedUriScheme, "Unsupported URI Scheme");
    }

    private static SipUri ParseSip(SipUriScheme scheme, string rest)
    {
        string? user = null;
        string? password = null;
        var at = rest.IndexOf('@');
        var hostPart = rest.AsSpan();
        if (at >= 0)
        {
            var userInfo = rest.AsSpan(0, at);
            var passwordColon = userInfo.IndexOf(':');
            var userSpan = passwordColon < 0 ? userInfo : userInfo[..passwordColon];
            if (userSpan.IsEmpty)
            {
                throw new SipParseException(SipParseError.InvalidUri, "Empty user in URI");
            }

            SipGrammar.ValidateEscaped(userSpan, IsUserChar, "URI user");
            user = userSpan.ToString();
            if (passwordColon >= 0)
            {
                var passwordSpan = userInfo[(passwordColon + 1)..];
                SipGrammar.ValidateEscaped(passwordSpan, IsPasswordChar, "URI password");
                password = passwordSpan.ToString();
            }

            hostPart = rest.AsSpan(at + 1);
        }

        var question = hostPart.IndexOf('?');
        var headersPart = question < 0 ? default : hostPart[(question + 1)..];
        if (question >= 0)
        {
            hostPart = hostPart[..question];
        }

        var semicolon = hostPart.IndexOf(';');
        var parametersPart = semicolon < 0 ? default : hostPart[(semicolon + 1)..];
        var hostPort = semicolon < 0 ? hostPart : hostPart[..semicolon];
        var (host, port) = ParseHostPort(hostPort, SipParseError.InvalidUri, "URI");
        if (semicolon >= 0 && parametersPart.IsEmpty)
        {
            throw new SipParseException(SipParseError.InvalidUri, "Empty URI parameter");
        }

        return new SipUri
        {
            Scheme = scheme,
            User = user,
            Password = password,
            Host = host,
            Port = port,
            Parameters = SipParameters.ParseUriParameters(parametersPart),
            Headers = ParseUriHeaders(headersPart, question >= 0),
        };
    }

    private static SipUri ParseTel(string rest)
    {
        var semicolon = rest.IndexOf(';');
        var number = semicolon < 0 ? rest.AsSpan() : rest.AsSpan(0, semicolon);
        if (number.IsEmpty)
        {
            throw new SipParseException(SipParseError.InvalidUri, "Empty telephone number");
        }

        foreach (var c in number)
        {
            // RFC 3966 §3: digits, hex digits of local numbers, "*", "#", "+" and visual separators.
            if (!char.IsAsciiHexDigit(c) && c is not ('*' or '#' or '+' or '-' or '.' or '(' or ')'))
            {
                throw new SipParseException(SipParseError.InvalidUri, "Invalid character in telephone number");
            }
        }

        var parametersPart = semicolon < 0 ? default : rest.AsSpan(semicolon + 1);
        if (semicolon >= 0 && parametersPart.IsEmpty)
        {
            throw new SipParseException(SipParseError.InvalidUri, "Empty URI parameter");
        }

        return new SipUri
        {
            Scheme = SipUriScheme.Tel,
            User = number.ToString(),
            Parameters = SipParameters.ParseUriParameters(parametersPart),
        };
    }

    private static IReadOnlyList<KeyValuePair<string, string>> ParseUriHeaders(ReadOnlySpan<char> text, bool present)
    {
        if (!present)
        {
            return [];
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var range in text.Split('&'))
        {
            var part = text[range];
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw new SipParseException(SipParseError.InvalidUri, "Invalid URI header");
            }

            var name = part[..equals];
            var value = part[(equals + 1)..];
            SipGrammar.ValidateEscaped(name, IsHeaderChar, "URI header");
            SipGrammar.ValidateEscaped(value, IsHeaderChar, "URI header");
            headers.Add(new(name.ToString(), value.ToString()));
        }

        return headers;
    }

    /// <summary>
    /// hostport = host [":" port] (§25.1). Shared with Via sent-by. Returns the host as written.
    /// </summary>
    internal static (string Host, int? Port) ParseHostPort(ReadOnlySpan<char> text, SipParseError error, string what)
    {
        if (text.IsEmpty)
        {
            throw new SipParseException(error, $"Missing host in {what}");
        }

        ReadOnlySpan<char> host;
        ReadOnlySpan<char> portText = default;
        var hasPort = false;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                throw new SipParseException(error, $"Unterminated IPv6 reference in {what}");
            }

            host = text[..(close + 1)];
            foreach (var c in host[1..^1])
            {
                if (!char.IsAsciiHexDigit(c) && c is not (':' or '.'))
                {
                    throw new SipParseException(error, $"Invalid IPv6 reference in {what}");
                }
            }

            if (host.Length <= 2)
            {
                throw new SipParseException(error, $"Invalid IPv6 reference in {what}");
            }

            var after = text[(close + 1)..];
            if (!after.IsEmpty)
            {
                if (after[0] != ':')
                {
                    throw new SipParseException(error, $"Invalid host in {what}");
                }

                hasPort = true;
                portText = after[1..];
            }
        }
        else
        {
            var colon = text.IndexOf(':');
            host = colon < 0 ? text : text[..colon];
            if (colon >= 0)
            {
                hasPort = true;
                portText = text[(colon + 1)..];
            }

            if (host.IsEmpty || host[0] is '-' or '.')
            {
                throw new SipParseException(error, $"Invalid host in {what}");
            }

            foreach (var c in host)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.'))
                {
                    throw new SipParseException(error, $"Invalid host in {what}");
                }
            }
        }

        int? port = null;
        if (hasPort)
        {
            port = ParsePort(portText, error, what);
        }

        return (host.ToString(), port);
    }

    internal static int ParsePort(ReadOnlySpan<char> text, SipParseError error, string what)
    {
        if (text.IsEmpty || text.Length > MaxPortDigits || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > MaxPort)
        {
            throw new SipParseException(error, $"Invalid port in {what}");
        }

        return port;
    }

    /// <summary>user = 1*(unreserved / escaped / user-unreserved) (§25.1).</summary>
    private static bool IsUserChar(char c) =>
        SipGrammar.IsUnreserved(c) || c is '&' or '=' or '+' or '$' or ',' or ';' or '?' or '/';

    private static bool IsPasswordChar(char c) =>
        SipGrammar.IsUnreserved(c) || c is '&' or '=' or '+' or '$' or ',';

    /// <summary>hname/hvalue = hnv-unreserved / unreserved / escaped (§25.1).</summary>
    private static bool IsHeaderChar(char c) =>
        SipGrammar.IsUnreserved(c) || c is '[' or ']' or '/' or '?' or ':' or '+' or '$';
}
