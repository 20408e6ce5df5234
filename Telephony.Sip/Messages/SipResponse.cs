namespace CallCenter.Telephony.Sip.Messages;

/// <summary>A response: SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2).</summary>
public sealed class SipResponse : SipMessage
{
    public SipResponse(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < SipStatusCodes.Minimum or > SipStatusCodes.Maximum)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "Status codes run from 100 to 699.");
        }

        reasonPhrase ??= SipStatusCodes.DefaultReasonPhrase(statusCode);
        if (!SipGrammar.IsSafeHeaderValue(reasonPhrase))
        {
            throw new ArgumentException("A reason phrase cannot contain CR, LF or NUL.", nameof(reasonPhrase));
        }

        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
    }

    private SipResponse(int statusCode, string reasonPhrase, SipHeaderCollection headers)
        : this(statusCode, reasonPhrase)
    {
        Headers = headers;
    }

    public int StatusCode { get; }

    public string ReasonPhrase { get; }

    public bool IsProvisional => SipStatusCodes.IsProvisional(StatusCode);

    public bool IsSuccess => SipStatusCodes.IsSuccess(StatusCode);

    public bool IsFinal => SipStatusCodes.IsFinal(StatusCode);

    /// <summary>
    /// Builds a response to <paramref name="request"/> as RFC 3261 §8.2.6 requires: Via rows, From, Call-ID and
    /// CSeq copied; To copied and, for anything but 100, given <paramref name="toTag"/> unless the request's To
    /// already has a tag (an in-dialog request). A 100 (Trying) also copies Timestamp (§8.2.6.1).
    /// The same <paramref name="toTag"/> must be used for every response to one request (§8.2.6.2).
    /// </summary>
    public static SipResponse CreateFor(SipRequest request, int statusCode, string? toTag = null, string? reasonPhrase = null)
    {
        var response = new SipResponse(statusCode, reasonPhrase);
        response.Headers.CopyFrom(request.Headers, SipHeaderNames.Via);
        response.Headers.CopyFrom(request.Headers, SipHeaderNames.From);
        var to = request.Headers.Get(SipHeaderNames.To);
        if (to is not null)
        {
            if (statusCode != SipStatusCodes.Trying && toTag is not null)
            {
                var address = SipNameAddress.Parse(to, SipHeaderNames.To);
                if (address.Tag is null)
                {
                    to = address.WithTag(toTag).ToString();
                }
            }

            response.Headers.Add(SipHeaderNames.To, to);
        }

        response.Headers.CopyFrom(request.Headers, SipHeaderNames.CallId);
        response.Headers.CopyFrom(request.Headers, SipHeaderNames.CSeq);
        if (statusCode == SipStatusCodes.Trying)
        {
            response.Headers.CopyFrom(request.Headers, SipHeaderNames.Timestamp);
        }

        return response;
    }

    public SipResponse Clone() => new(StatusCode, ReasonPhrase, Headers.Clone()) { Body = Body };

    internal static SipResponse FromParsed(int statusCode, string reasonPhrase, SipHeaderCollection headers, ReadOnlyMemory<byte> body) =>
        new(statusCode, reasonPhrase, headers) { Body = body };

    public override string ToString() => $"{Version} {StatusCode} {ReasonPhrase}";
}
