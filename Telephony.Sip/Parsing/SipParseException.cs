namespace CallCenter.Telephony.Sip.Parsing;

/// <summary>
/// What went wrong while reading a message. Each value maps to a distinct reason phrase so that a
/// UAS can answer "400 Bad Request" (or the more specific code) with a useful explanation.
/// </summary>
public enum SipParseError
{
    EmptyMessage,
    MessageTooLarge,
    TooManyHeaders,
    HeaderLineTooLong,
    InvalidEncoding,
    InvalidCharacter,
    MalformedStartLine,
    UnsupportedVersion,
    MalformedHeader,
    MissingHeader,
    InvalidHeaderValue,
    MissingHeaderTerminator,
    MissingContentLength,
    InvalidContentLength,
    TruncatedBody,
    InvalidUri,
    UnsupportedUriScheme,
    CSeqMethodMismatch,
    MissingContentType,
    InvalidSdp,
    InvalidPacket,
}

/// <summary>
/// The only exception the parsers throw. <see cref="ReasonPhrase"/> never contains CR, LF or other
/// control characters, so it can be copied into a response status line as it is.
/// </summary>
public sealed class SipParseException : Exception
{
    public SipParseException(SipParseError error, string reasonPhrase)
        : base(reasonPhrase)
    {
        Error = error;
        ReasonPhrase = Sanitize(reasonPhrase);
    }

    public SipParseError Error { get; }

    /// <summary>A short, printable explanation fit for the Reason-Phrase of the error response.</summary>
    public string ReasonPhrase { get; }

    /// <summary>
    /// A request whose start line and headers were read before a semantic check failed, so that a UAS
    /// can still route a stateless error response back along its Via (RFC 3261 §8.2, §18.2.2).
    /// For <see cref="SipParseError.UnsupportedUriScheme"/> its Request-URI is a placeholder.
    /// </summary>
    public Messages.SipRequest? PartialRequest { get; init; }

    /// <summary>
    /// The status code a UAS should answer with (RFC 3261 §21): 513 for an oversized message,
    /// 505 for another SIP version, 416 for a Request-URI scheme it does not know, else 400.
    /// </summary>
    public int SuggestedStatusCode => Error switch
    {
        SipParseError.MessageTooLarge => Messages.SipStatusCodes.MessageTooLarge,
        SipParseError.UnsupportedVersion => Messages.SipStatusCodes.VersionNotSupported,
        SipParseError.UnsupportedUriScheme => Messages.SipStatusCodes.UnsupportedUriScheme,
        _ => Messages.SipStatusCodes.BadRequest,
    };

    private const int MaxReasonPhraseLength = 120;

    private static string Sanitize(string phrase)
    {
        Span<char> buffer = stackalloc char[Math.Min(phrase.Length, MaxReasonPhraseLength)];
        for (var i = 0; i < buffer.Length; i++)
        {
            var c = phrase[i];
            buffer[i] = c is < ' ' or > '~' ? '?' : c;
        }

        return new string(buffer);
    }
}
