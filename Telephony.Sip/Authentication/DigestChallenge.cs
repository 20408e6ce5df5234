using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Authentication;

/// <summary>A Digest challenge as carried by WWW-Authenticate or Proxy-Authenticate (RFC 3261 §22.1, RFC 2617 §3.2.1).</summary>
public sealed record DigestChallenge
{
    public const string Md5 = "MD5";
    public const string QopAuth = "auth";

    public required string Realm { get; init; }

    public required string Nonce { get; init; }

    public string? Opaque { get; init; }

    /// <summary>The nonce expired but the credentials were right: retry with the new nonce, do not ask the user (RFC 2617 §3.2.1).</summary>
    public bool Stale { get; init; }

    public string Algorithm { get; init; } = Md5;

    /// <summary>Quality-of-protection options offered; empty for an RFC 2069 style challenge.</summary>
    public IReadOnlyList<string> Qop { get; init; } = [QopAuth];

    public static DigestChallenge Parse(string value, string headerName = Messages.SipHeaderNames.WwwAuthenticate)
    {
        var parameters = DigestParameters.Parse(value, headerName);
        if (!parameters.TryGetValue("realm", out var realm) || !parameters.TryGetValue("nonce", out var nonce))
        {
            throw new SipParseException(SipParseError.InvalidHeaderValue, $"Missing realm or nonce in {headerName} header");
        }

        return new DigestChallenge
        {
            Realm = realm,
            Nonce = nonce,
            Opaque = parameters.GetValueOrDefault("opaque"),
            Stale = string.Equals(parameters.GetValueOrDefault("stale"), "true", StringComparison.OrdinalIgnoreCase),
            Algorithm = parameters.GetValueOrDefault("algorithm") ?? Md5,
            Qop = parameters.TryGetValue("qop", out var qop)
                ? qop.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : [],
        };
    }

    public override string ToString()
    {
        var parameters = new List<(string, string, bool)> { ("realm", Realm, true), ("nonce", Nonce, true) };
        if (Opaque is not null)
        {
            parameters.Add(("opaque", Opaque, true));
        }

        if (Stale)
        {
            parameters.Add(("stale", "TRUE", false));
        }

        parameters.Add(("algorithm", Algorithm, false));
        if (Qop.Count > 0)
        {
            parameters.Add(("qop", string.Join(',', Qop), true));
        }

        return DigestParameters.Write(parameters);
    }
}
