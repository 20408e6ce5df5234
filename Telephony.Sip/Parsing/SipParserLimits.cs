namespace CallCenter.Telephony.Sip.Parsing;

/// <summary>
/// Bounds that keep a hostile peer from making the parser allocate or work without limit.
/// Each violated bound is reported with its own <see cref="SipParseError"/>.
/// </summary>
public sealed record SipParserLimits
{
    /// <summary>The largest UDP payload (RFC 768 length field minus headers) is our default cap for any transport.</summary>
    public const int DefaultMaxMessageBytes = 65_507;

    /// <summary>Real messages carry 10–30 header fields; proxies with long Record-Route chains stay well under this.</summary>
    public const int DefaultMaxHeaderCount = 128;

    /// <summary>One header field after unfolding, name included.</summary>
    public const int DefaultMaxHeaderLineLength = 8_192;

    public static SipParserLimits Default { get; } = new();

    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    public int MaxHeaderCount { get; init; } = DefaultMaxHeaderCount;

    public int MaxHeaderLineLength { get; init; } = DefaultMaxHeaderLineLength;
}
