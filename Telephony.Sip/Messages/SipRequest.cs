namespace CallCenter.Telephony.Sip.Messages;

/// <summary>A request: Method SP Request-URI SP SIP-Version (RFC 3261 §7.1).</summary>
public sealed class SipRequest : SipMessage
{
    public SipRequest(string method, SipUri requestUri)
    {
        if (!SipGrammar.IsToken(method))
        {
            throw new ArgumentException($"Method '{method}' is not a token.", nameof(method));
        }

        Method = method;
        RequestUri = requestUri;
    }

    private SipRequest(string method, SipUri requestUri, SipHeaderCollection headers)
        : this(method, requestUri)
    {
        Headers = headers;
    }

    public string Method { get; }

    public SipUri RequestUri { get; set; }

    public SipRequest Clone() => new(Method, RequestUri, Headers.Clone()) { Body = Body };

    internal static SipRequest FromParsed(string method, SipUri requestUri, SipHeaderCollection headers, ReadOnlyMemory<byte> body) =>
        new(method, requestUri, headers) { Body = body };

    public override string ToString() => $"{Method} {RequestUri} {Version}";
}
