using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Authentication;

/// <summary>Digest credentials as carried by Authorization or Proxy-Authorization (RFC 3261 §22.2, RFC 2617 §3.2.2).</summary>
public sealed record DigestCredentials
{
    public required string UserName { get; init; }

    public required string Realm { get; init; }

    public required string Nonce { get; init; }

    /// <summary>The digest-uri: the Request-URI as the client wrote it (RFC 3261 §22.4).</summary>
    public required string Uri { get; init; }

    /// <summary>32 lower-case hex digits.</summary>
    public required string Response { get; init; }

    public string? Algorithm { get; init; }

    public string? CNonce { get; init; }

    public string? Opaque { get; init; }

    public string? Qop { get; init; }

    /// <summary>nc: 8 hex digits counting requests made with this nonce.</summary>
    public string? NonceCount { get; init; }

    public static DigestCredentials Parse(string value, string headerName = Messages.SipHeaderNames.Authorization)
    {
        var parameters = DigestParameters.Parse(value, headerName);
        string Required(string name) => parameters.TryGetValue(name, out var found)
            ? found
            : throw new SipParseException(SipParseError.InvalidHeaderValue, $"Missing {name} in {headerName} header");

        return new DigestCredentials
        {
            UserName = Required("username"),
            Realm = Required("realm"),
            Nonce = Required("nonce"),
            Uri = Required("uri"),
            Response = Required("response"),
            Algorithm = parameters.GetValueOrDefault("algorithm"),
            CNonce = parameters.GetValueOrDefault("cnonce"),
            Opaque = parameters.GetValueOrDefault("opaque"),
            Qop = parameters.GetValueOrDefault("qop"),
            NonceCount = parameters.GetValueOrDefault("nc"),
        };
    }

    public override string ToString()
    {
        var parameters = new List<(string, string, bool)>
        {
            ("username", UserName, true),
            ("realm", Realm, true),
            ("nonce", Nonce, true),
            ("uri", Uri, true),
            ("response", Response, true),
        };
        if (Algorithm is not null)
        {
            parameters.Add(("algorithm", Algorithm, false));
        }

        if (CNonce is not null)
        {
            parameters.Add(("cnonce", CNonce, true));
        }

        if (Opaque is not null)
        {
            parameters.Add(("opaque", Opaque, true));
        }

        if (Qop is not null)
        {
            parameters.Add(("qop", Qop, false));
        }

        if (NonceCount is not null)
        {
            parameters.Add(("nc", NonceCount, false));
        }

        return DigestParameters.Write(parameters);
    }
}
