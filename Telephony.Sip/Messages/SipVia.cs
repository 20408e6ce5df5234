using System.Globalization;
using System.Text;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>
/// One via-parm (RFC 3261 §20.42, §25.1): "SIP/2.0/UDP host:port;branch=...;received=...;rport=..."
/// with the RFC 3581 rport parameter, which may be present without a value.
/// </summary>
public sealed record SipVia
{
    /// <summary>Branch IDs that start with this cookie were built by RFC 3261 elements and are unique (§8.1.1.7).</summary>
    public const string MagicCookie = "z9hG4bK";

    public const string ProtocolName = "SIP";
    public const string ProtocolVersion = "2.0";

    /// <summary>Transport token, upper case: UDP, TCP, TLS, SCTP, WS, WSS.</summary>
    public required string Transport { get; init; }

    public required string Host { get; init; }

    public int? Port { get; init; }

    public SipParameters Parameters { get; init; } = SipParameters.Empty;

    public string? Branch => Parameters.Get("branch");

    /// <summary>True when the branch carries the RFC 3261 magic cookie, so transaction matching may use it (§17.2.3).</summary>
    public bool HasRfc3261Branch => Branch is { } branch && branch.StartsWith(MagicCookie, StringComparison.Ordinal);

    public string? Received => Parameters.Get("received");

    /// <summary>True when the client asked for symmetric response routing (RFC 3581 §3).</summary>
    public bool HasRport => Parameters.Contains("rport");

    /// <summary>The rport value filled in by the server (RFC 3581 §4); null when absent or still empty.</summary>
    public int? Rport => int.TryParse(Parameters.Get("rport"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;

    /// <summary>The sent-by port, defaulting per transport (§18.2.2: 5060, or 5061 for TLS).</summary>
    public int EffectivePort => Port ?? (Transport is "TLS" or "WSS" ? SipUri.DefaultSipsPort : SipUri.DefaultSipPort);

    /// <summary>sent-by as written, used to match server transactions (§17.2.3).</summary>
    public string SentBy => Port is { } port ? $"{Host}:{port.ToString(CultureInfo.InvariantCulture)}" : Host;

    public SipVia WithParameter(string name, string? value) => this with { Parameters = Parameters.With(name, value) };

    /// <summary>Parses a single via-parm (split list values first with <see cref="SipHeaderList"/>).</summary>
    public static SipVia Parse(string value)
    {
        const string header = SipHeaderNames.Via;
        var position = 0;
        var text = value.Trim(SipGrammar.WhitespaceChars);
        var name = ReadToken(text, ref position);
        ExpectSlash(text, ref position);
        var version = ReadToken(text, ref position);
        ExpectSlash(text, ref position);
        var transport = ReadToken(text, ref position);
        if (!name.Equals(ProtocolName, StringComparison.OrdinalIgnoreCase) || version != ProtocolVersion)
        {
            throw SipParameters.Invalid(header, "sent-protocol");
        }

        if (position >= text.Length || !SipGrammar.IsWhitespace(text[position]))
        {
            throw SipParameters.Invalid(header, "sent-by");
        }

        SipParameters.SkipWhitespace(text, ref position);
        var start = position;
        while (position < text.Length && text[position] is not (';' or ' ' or '\t'))
        {
            position++;
        }

        var (host, port) = SipUri.ParseHostPort(text.AsSpan(start, position - start), SipParseError.InvalidHeaderValue, "Via sent-by");
        var parameters = SipParameters.ParseHeaderParameters(text, ref position, header);
        SipParameters.SkipWhitespace(text, ref position);
        if (position != text.Length)
        {
            throw SipParameters.Invalid(header, "value");
        }

        return new SipVia
        {
            Transport = transport.ToUpperInvariant(),
            Host = host,
            Port = port,
            Parameters = parameters,
        };
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(ProtocolName).Append('/').Append(ProtocolVersion).Append('/').Append(Transport).Append(' ').Append(SentBy);
        Parameters.AppendTo(builder);
        return builder.ToString();
    }

    private static string ReadToken(string text, ref int position)
    {
        SipParameters.SkipWhitespace(text, ref position);
        var start = position;
        while (position < text.Length && SipGrammar.IsTokenChar(text[position]))
        {
            position++;
        }

        if (position == start)
        {
            throw SipParameters.Invalid(SipHeaderNames.Via, "sent-protocol");
        }

        return text[start..position];
    }

    private static void ExpectSlash(string text, ref int position)
    {
        SipParameters.SkipWhitespace(text, ref position);
        if (position >= text.Length || text[position] != '/')
        {
            throw SipParameters.Invalid(SipHeaderNames.Via, "sent-protocol");
        }

        position++;
    }
}
