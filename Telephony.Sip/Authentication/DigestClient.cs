using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Authentication;

/// <summary>The UAC side of Digest (RFC 3261 §22.2–22.3): answers a challenge for one request.</summary>
public static class DigestClient
{
    /// <summary>
    /// Computes credentials for <paramref name="method"/> on <paramref name="uri"/>. With qop=auth offered,
    /// the answer uses it with <paramref name="cnonce"/> and <paramref name="nonceCount"/> (1 for a fresh nonce).
    /// </summary>
    public static DigestCredentials Answer(DigestChallenge challenge, string method, string uri, string userName, string password, string cnonce, int nonceCount = 1)
    {
        if (!string.Equals(challenge.Algorithm, DigestChallenge.Md5, StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"Digest algorithm {challenge.Algorithm} is not supported.");
        }

        var useQop = challenge.Qop.Contains(DigestChallenge.QopAuth, StringComparer.OrdinalIgnoreCase);
        var qop = useQop ? DigestChallenge.QopAuth : null;
        var nc = useQop ? DigestCalculator.FormatNonceCount(nonceCount) : null;
        var clientNonce = useQop ? cnonce : null;
        var ha1 = DigestCalculator.ComputeHa1(userName, challenge.Realm, password);
        return new DigestCredentials
        {
            UserName = userName,
            Realm = challenge.Realm,
            Nonce = challenge.Nonce,
            Uri = uri,
            Response = DigestCalculator.ComputeResponse(ha1, challenge.Nonce, method, uri, qop, nc, clientNonce),
            Algorithm = challenge.Algorithm,
            CNonce = clientNonce,
            Opaque = challenge.Opaque,
            Qop = qop,
            NonceCount = nc,
        };
    }

    /// <summary>
    /// Adds credentials answering the 401/407 <paramref name="challengeResponse"/> to <paramref name="request"/>
    /// (Authorization for 401, Proxy-Authorization for 407). The caller still gives the retried request a new
    /// CSeq and a new branch (§22.2, §8.1.3.5).
    /// </summary>
    public static void Authorize(SipRequest request, SipResponse challengeResponse, string userName, string password, string cnonce, int nonceCount = 1)
    {
        var isProxy = challengeResponse.StatusCode == SipStatusCodes.ProxyAuthenticationRequired;
        var challengeHeader = isProxy ? SipHeaderNames.ProxyAuthenticate : SipHeaderNames.WwwAuthenticate;
        var credentialsHeader = isProxy ? SipHeaderNames.ProxyAuthorization : SipHeaderNames.Authorization;
        var challenges = challengeResponse.Headers.GetAll(challengeHeader);
        if (challenges.Count == 0)
        {
            throw new SipParseException(SipParseError.MissingHeader, $"Missing {challengeHeader} header");
        }

        // A retry replaces the credentials of the previous attempt.
        request.Headers.Remove(credentialsHeader);
        foreach (var value in challenges)
        {
            var challenge = DigestChallenge.Parse(value, challengeHeader);
            var credentials = Answer(challenge, request.Method, request.RequestUri.ToString(), userName, password, cnonce, nonceCount);
            request.Headers.Add(credentialsHeader, credentials.ToString());
        }
    }
}
