using System.Globalization;
using System.Text;
using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Sip.Parsing;

/// <summary>How the message arrived, which decides how its body is framed (RFC 3261 §18.3).</summary>
public enum SipFraming
{
    /// <summary>UDP: the datagram is the message; Content-Length is optional and may only shorten the body.</summary>
    Datagram,

    /// <summary>TCP/TLS: Content-Length is mandatory and gives the exact body length.</summary>
    Stream,
}

/// <summary>
/// Reads SIP messages from UTF-8 bytes (RFC 3261 §7, §25). It throws nothing but
/// <see cref="SipParseException"/>, and its work is linear in the input, bounded by <see cref="SipParserLimits"/>.
/// </summary>
public static class SipMessageParser
{
    private const byte CarriageReturn = (byte)'\r';
    private const byte LineFeed = (byte)'\n';
    private const byte Delete = 0x7F;
    private const int StatusCodeDigits = 3;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly string[] SingletonHeaders =
    [
        SipHeaderNames.From, SipHeaderNames.To, SipHeaderNames.CallId, SipHeaderNames.CSeq,
        SipHeaderNames.MaxForwards, SipHeaderNames.ContentType,
    ];

    public static SipMessage Parse(ReadOnlySpan<byte> data, SipFraming framing = SipFraming.Datagram, SipParserLimits? limits = null)
    {
        try
        {
            return ParseCore(data, framing, limits ?? SipParserLimits.Default);
        }
        catch (SipParseException)
        {
            throw;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or OverflowException or DecoderFallbackException or InvalidOperationException or IndexOutOfRangeException)
        {
            // Defence in depth: a grammar corner we did not foresee must still surface as a parse error.
            throw new SipParseException(SipParseError.MalformedHeader, "Malformed message");
        }
    }

    public static SipRequest ParseRequest(ReadOnlySpan<byte> data, SipFraming framing = SipFraming.Datagram, SipParserLimits? limits = null) =>
        Parse(data, framing, limits) as SipRequest ?? throw new SipParseException(SipParseError.MalformedStartLine, "Expected a request");

    public static SipResponse ParseResponse(ReadOnlySpan<byte> data, SipFraming framing = SipFraming.Datagram, SipParserLimits? limits = null) =>
        Parse(data, framing, limits) as SipResponse ?? throw new SipParseException(SipParseError.MalformedStartLine, "Expected a response");

    private static SipMessage ParseCore(ReadOnlySpan<byte> data, SipFraming framing, SipParserLimits limits)
    {
        if (data.Length > limits.MaxMessageBytes)
        {
            throw new SipParseException(SipParseError.MessageTooLarge, "Message Too Large");
        }

        var position = 0;

        // §7.5: empty lines before the start line are ignored (they are also stream keep-alives).
        while (position < data.Length && data[position] is CarriageReturn or LineFeed)
        {
            position++;
        }

        if (position == data.Length)
        {
            throw new SipParseException(SipParseError.EmptyMessage, "Empty message");
        }

        string? startLine = null;
        var headers = new SipHeaderCollection();
        string? pendingName = null;
        StringBuilder? pendingValue = null;
        var headerCount = 0;
        var bodyStart = -1;

        while (position < data.Length)
        {
            var lineFeed = data[position..].IndexOf(LineFeed);
            if (lineFeed < 0)
            {
                break;
            }

            var lineEnd = position + lineFeed;
            var contentEnd = lineEnd > position && data[lineEnd - 1] == CarriageReturn ? lineEnd - 1 : lineEnd;
            var lineBytes = data[position..contentEnd];
            position = lineEnd + 1;
            if (lineBytes.Length > limits.MaxHeaderLineLength)
            {
                throw new SipParseException(SipParseError.HeaderLineTooLong, "Header Line Too Long");
            }

            if (lineBytes.IsEmpty)
            {
                bodyStart = position;
                break;
            }

            var line = DecodeLine(lineBytes);
            if (startLine is null)
            {
                startLine = line;
                continue;
            }

            if (SipGrammar.IsWhitespace(line[0]))
            {
                // §7.3.1: a line starting with whitespace continues the previous header (folding = one SP).
                if (pendingName is null || pendingValue is null)
                {
                    throw new SipParseException(SipParseError.MalformedHeader, "Continuation line without header");
                }

                var continuation = line.AsSpan().Trim(" \t");
                if (!continuation.IsEmpty)
                {
                    if (pendingValue.Length > 0)
                    {
                        pendingValue.Append(' ');
                    }

                    pendingValue.Append(continuation);
                }

                if (pendingName.Length + pendingValue.Length > limits.MaxHeaderLineLength)
                {
                    throw new SipParseException(SipParseError.HeaderLineTooLong, "Header Line Too Long");
                }

                continue;
            }

            Flush(headers, ref pendingName, pendingValue);
            if (++headerCount > limits.MaxHeaderCount)
            {
                throw new SipParseException(SipParseError.TooManyHeaders, "Too Many Headers");
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new SipParseException(SipParseError.MalformedHeader, "Header without colon");
            }

            var name = line.AsSpan(0, colon).TrimEnd(" \t");
            if (!SipGrammar.IsToken(name))
            {
                throw new SipParseException(SipParseError.MalformedHeader, "Invalid header name");
            }

            pendingName = SipHeaderNames.Canonicalize(name.ToString());
            pendingValue ??= new StringBuilder();
            pendingValue.Clear().Append(line.AsSpan(colon + 1).Trim(" \t"));
        }

        if (bodyStart < 0 || startLine is null)
        {
            throw new SipParseException(SipParseError.MissingHeaderTerminator, "Missing empty line after headers");
        }

        Flush(headers, ref pendingName, pendingValue);
        var body = ReadBody(data[bodyStart..], headers, framing);
        return BuildMessage(startLine, headers, body);
    }

    private static string DecodeLine(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            // Only HT among the control characters may appear in a header line (§25.1); a bare CR would
            // otherwise let a peer hide a line break from other parsers.
            if ((b < (byte)' ' && b != (byte)'\t') || b == Delete)
            {
                throw new SipParseException(SipParseError.InvalidCharacter, "Control character in header");
            }
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SipParseException(SipParseError.InvalidEncoding, "Invalid UTF-8");
        }
    }

    private static void Flush(SipHeaderCollection headers, ref string? name, StringBuilder? value)
    {
        if (name is null || value is null)
        {
            return;
        }

        headers.AddParsed(new SipHeader(name, value.ToString()));
        name = null;
    }

    private static ReadOnlyMemory<byte> ReadBody(ReadOnlySpan<byte> remaining, SipHeaderCollection headers, SipFraming framing)
    {
        var lengths = headers.GetAll(SipHeaderNames.ContentLength);
        if (lengths.Count == 0)
        {
            if (framing == SipFraming.Stream)
            {
                throw new SipParseException(SipParseError.MissingContentLength, "Missing Content-Length");
            }

            // §18.3: over UDP the body runs to the end of the datagram.
            return remaining.ToArray();
        }

        var length = ParseContentLength(lengths[0]);
        for (var i = 1; i < lengths.Count; i++)
        {
            if (ParseContentLength(lengths[i]) != length)
            {
                throw new SipParseException(SipParseError.InvalidContentLength, "Conflicting Content-Length");
            }
        }

        if (length > remaining.Length)
        {
            throw new SipParseException(SipParseError.TruncatedBody, "Body shorter than Content-Length");
        }

        if (framing == SipFraming.Stream && length < remaining.Length)
        {
            throw new SipParseException(SipParseError.InvalidContentLength, "Bytes after the body");
        }

        // §18.3: over UDP, octets beyond Content-Length are discarded.
        return remaining[..length].ToArray();
    }

    internal static int ParseContentLength(string value)
    {
        const int maxDigits = 9;
        if (value.Length is 0 or > maxDigits || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new SipParseException(SipParseError.InvalidContentLength, "Invalid Content-Length");
        }

        return length;
    }

    private static SipMessage BuildMessage(string startLine, SipHeaderCollection headers, ReadOnlyMemory<byte> body)
    {
        if (startLine.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase))
        {
            var response = ParseStatusLine(startLine, headers, body);
            ValidateCommonHeaders(response, headers);
            return response;
        }

        var request = ParseRequestLine(startLine, headers, body, out var unsupportedScheme);
        try
        {
            ValidateCommonHeaders(request, headers);
            var cseq = request.CSeq!.Value;
            if (!string.Equals(cseq.Method, request.Method, StringComparison.Ordinal))
            {
                // §8.2: the CSeq method must match the request method.
                throw new SipParseException(SipParseError.CSeqMethodMismatch, "CSeq method does not match request");
            }

            if (unsupportedScheme is not null)
            {
                throw unsupportedScheme;
            }
        }
        catch (SipParseException exception)
        {
            throw new SipParseException(exception.Error, exception.ReasonPhrase) { PartialRequest = request };
        }

        return request;
    }

    /// <summary>Stands in for a Request-URI whose scheme we do not support, so that the request can still get its 416.</summary>
    private static readonly SipUri UnsupportedSchemePlaceholder = new() { Host = "unsupported.invalid" };

    private static SipRequest ParseRequestLine(string line, SipHeaderCollection headers, ReadOnlyMemory<byte> body, out SipParseException? unsupportedScheme)
    {
        unsupportedScheme = null;
        // Request-Line = Method SP Request-URI SP SIP-Version (§25.1): exactly single spaces.
        var firstSpace = line.IndexOf(' ');
        var lastSpace = line.LastIndexOf(' ');
        if (firstSpace <= 0 || lastSpace == firstSpace || lastSpace == line.Length - 1)
        {
            throw new SipParseException(SipParseError.MalformedStartLine, "Malformed Request-Line");
        }

        var method = line[..firstSpace];
        var uriText = line[(firstSpace + 1)..lastSpace];
        var version = line[(lastSpace + 1)..];
        if (!SipGrammar.IsToken(method) || uriText.Length == 0 || uriText.Contains(' ') || uriText.Contains('\t'))
        {
            throw new SipParseException(SipParseError.MalformedStartLine, "Malformed Request-Line");
        }

        ValidateVersion(version);
        SipUri uri;
        try
        {
            uri = SipUri.Parse(uriText);
        }
        catch (SipParseException exception) when (exception.Error == SipParseError.InvalidUri)
        {
            throw new SipParseException(SipParseError.InvalidUri, "Invalid Request-URI");
        }
        catch (SipParseException exception) when (exception.Error == SipParseError.UnsupportedUriScheme)
        {
            // §8.2.2.1: answer 416; the partial request's Request-URI is then only a placeholder.
            unsupportedScheme = exception;
            uri = UnsupportedSchemePlaceholder;
        }

        return SipRequest.FromParsed(method, uri, headers, body);
    }

    private static SipResponse ParseStatusLine(string line, SipHeaderCollection headers, ReadOnlyMemory<byte> body)
    {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§25.1).
        var firstSpace = line.IndexOf(' ');
        if (firstSpace < 0)
        {
            throw new SipParseException(SipParseError.MalformedStartLine, "Malformed Status-Line");
        }

        ValidateVersion(line[..firstSpace]);
        var rest = line.AsSpan(firstSpace + 1);
        if (rest.Length < StatusCodeDigits
            || !int.TryParse(rest[..StatusCodeDigits], NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            || code is < SipStatusCodes.Minimum or > SipStatusCodes.Maximum
            || (rest.Length > StatusCodeDigits && rest[StatusCodeDigits] != ' '))
        {
            throw new SipParseException(SipParseError.MalformedStartLine, "Invalid Status-Code");
        }

        var reason = rest.Length > StatusCodeDigits ? rest[(StatusCodeDigits + 1)..].ToString() : "";
        return SipResponse.FromParsed(code, reason, headers, body);
    }

    private static void ValidateVersion(string version)
    {
        if (string.Equals(version, SipMessage.Version, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; a well-formed other version earns 505 (§21.5.6).
        var slash = version.IndexOf('/');
        var dot = version.IndexOf('.');
        var wellFormed = slash == 3 && version.StartsWith("SIP", StringComparison.OrdinalIgnoreCase) && dot > slash + 1 && dot < version.Length - 1
            && version.AsSpan(slash + 1, dot - slash - 1).IndexOfAnyExceptInRange('0', '9') < 0
            && version.AsSpan(dot + 1).IndexOfAnyExceptInRange('0', '9') < 0;
        throw wellFormed
            ? new SipParseException(SipParseError.UnsupportedVersion, "Version Not Supported")
            : new SipParseException(SipParseError.MalformedStartLine, "Invalid SIP-Version");
    }

    /// <summary>
    /// The headers every request and response carries (§8.1.1): Via, From, To, Call-ID and CSeq, each well formed,
    /// the singletons at most once, and a Content-Type whenever there is a body (§7.4.1).
    /// </summary>
    private static void ValidateCommonHeaders(SipMessage message, SipHeaderCollection headers)
    {
        foreach (var name in SingletonHeaders)
        {
            if (headers.GetAll(name).Count > 1)
            {
                throw new SipParseException(SipParseError.MalformedHeader, $"Duplicate {name} header");
            }
        }

        if (headers.GetListValues(SipHeaderNames.Via).Count == 0)
        {
            throw Missing(SipHeaderNames.Via);
        }

        _ = message.Vias;
        _ = message.From ?? throw Missing(SipHeaderNames.From);
        _ = message.To ?? throw Missing(SipHeaderNames.To);
        _ = message.CSeq ?? throw Missing(SipHeaderNames.CSeq);
        var callId = message.CallId ?? throw Missing(SipHeaderNames.CallId);
        ValidateCallId(callId);
        _ = message.MaxForwards;
        _ = message.Contacts;
        _ = message.RecordRoutes;
        _ = message.Routes;
        if (!message.Body.IsEmpty && message.ContentType is null)
        {
            throw new SipParseException(SipParseError.MissingContentType, "Missing Content-Type");
        }
    }

    /// <summary>callid = word ["@" word] (§25.1).</summary>
    private static void ValidateCallId(string callId)
    {
        var at = callId.IndexOf('@');
        var valid = callId.Length > 0 && at != 0 && at != callId.Length - 1 && (at < 0 || callId.IndexOf('@', at + 1) < 0);
        foreach (var c in callId)
        {
            valid &= c == '@' || SipGrammar.IsWordChar(c);
        }

        if (!valid)
        {
            throw SipParameters.Invalid(SipHeaderNames.CallId, "value");
        }
    }

    private static SipParseException Missing(string name) => new(SipParseError.MissingHeader, $"Missing {name} header");
}
