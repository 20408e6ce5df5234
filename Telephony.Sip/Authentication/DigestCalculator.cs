using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CallCenter.Telephony.Sip.Authentication;

/// <summary>The MD5 digest computations of RFC 2617 §3.2.2 (also RFC 7616 §3.4.1 with MD5), as lower-case hex.</summary>
public static class DigestCalculator
{
    /// <summary>HA1 = MD5(username ":" realm ":" password). A store may keep this instead of the password.</summary>
    public static string ComputeHa1(string userName, string realm, string password) => Md5Hex($"{userName}:{realm}:{password}");

    /// <summary>HA2 = MD5(method ":" digest-uri) for qop=auth or no qop.</summary>
    public static string ComputeHa2(string method, string uri) => Md5Hex($"{method}:{uri}");

    /// <summary>
    /// request-digest = MD5(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2) with qop, or
    /// MD5(HA1 ":" nonce ":" HA2) without it (RFC 2069 compatibility, RFC 2617 §3.2.2.1).
    /// </summary>
    public static string ComputeResponse(string ha1, string nonce, string method, string uri, string? qop, string? nonceCount, string? cnonce)
    {
        var ha2 = ComputeHa2(method, uri);
        return qop is null
            ? Md5Hex($"{ha1}:{nonce}:{ha2}")
            : Md5Hex($"{ha1}:{nonce}:{nonceCount}:{cnonce}:{qop}:{ha2}");
    }

    /// <summary>nc is written as 8 hex digits (RFC 2617 §3.2.2).</summary>
    public static string FormatNonceCount(int count) => count.ToString("x8", CultureInfo.InvariantCulture);

    internal static string Md5Hex(string text)
    {
        // MD5 is what RFC 3261 Digest mandates; it authenticates here, it does not protect secrets at rest.
#pragma warning disable CA5351
        var hash = MD5.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }
}
