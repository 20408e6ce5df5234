using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Authentication;

public sealed record DigestServerOptions
{
    /// <summary>How long a nonce is accepted; after that a right answer earns a stale=TRUE challenge.</summary>
    public static readonly TimeSpan DefaultNonceLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Bytes of HMAC-SHA256 kept in a nonce; 128 bits is far beyond guessing.</summary>
    public const int NonceMacBytes = 16;

    public required string Realm { get; init; }

    /// <summary>Key that signs nonces so the server needs no nonce table. At least 32 random bytes.</summary>
    public required byte[] NonceKey { get; init; }

    public TimeSpan NonceLifetime { get; init; } = DefaultNonceLifetime;
}

public enum DigestVerdict
{
    /// <summary>The credentials prove knowledge of the password for this request.</summary>
    Authorized,

    /// <summary>No credentials for our realm: challenge.</summary>
    Missing,

    /// <summary>The header could not be read: answer 400.</summary>
    Malformed,

    /// <summary>Unknown user, wrong password, foreign or forged nonce, wrong URI or algorithm: challenge again.</summary>
    Rejected,

    /// <summary>Right password with an expired nonce: challenge with stale=TRUE (RFC 2617 §3.2.1).</summary>
    Stale,
}

public sealed record DigestVerification(DigestVerdict Verdict, string? UserName = null);

/// <summary>
/// The UAS/registrar side of Digest (RFC 3261 §22.1–22.4, RFC 2617) with MD5 and qop=auth.
/// Nonces are self-validating: issue time, random bytes and an HMAC over both with the realm, so any
/// instance sharing the key can check them, and expiry needs no state.
/// </summary>
public sealed class DigestServer
{
    private const int TimestampBytes = sizeof(long);
    private const int RandomBytes = 8;
    private const int NonceBytes = TimestampBytes + RandomBytes + DigestServerOptions.NonceMacBytes;
    private const int MinimumKeyBytes = 32;

    private readonly DigestServerOptions _options;
    private readonly TimeProvider _time;

    public DigestServer(DigestServerOptions options, TimeProvider time)
    {
        if (options.NonceKey.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The nonce key needs at least {MinimumKeyBytes} bytes.", nameof(options));
        }

        if (options.NonceLifetime <= TimeSpan.Zero || string.IsNullOrEmpty(options.Realm))
        {
            throw new ArgumentException("A realm and a positive nonce lifetime are required.", nameof(options));
        }

        _options = options;
        _time = time;
    }

    public DigestChallenge CreateChallenge(bool stale = false) => new()
    {
        Realm = _options.Realm,
        Nonce = CreateNonce(),
        Stale = stale,
    };

    /// <summary>
    /// A 401 (or, for a proxy, 407) carrying a fresh challenge (§22.1, §22.3). Pass the same
    /// <paramref name="toTag"/> as any other response to this request.
    /// </summary>
    public SipResponse CreateChallengeResponse(SipRequest request, string toTag, bool stale = false, bool asProxy = false)
    {
        var response = SipResponse.CreateFor(request, asProxy ? SipStatusCodes.ProxyAuthenticationRequired : SipStatusCodes.Unauthorized, toTag);
        response.Headers.Add(asProxy ? SipHeaderNames.ProxyAuthenticate : SipHeaderNames.WwwAuthenticate, CreateChallenge(stale).ToString());
        return response;
    }

    /// <summary>
    /// Checks the request's Authorization (or Proxy-Authorization) for our realm against the HA1 that
    /// <paramref name="findHa1"/> returns for a user name (null for an unknown user).
    /// </summary>
    public DigestVerification Verify(SipRequest request, Func<string, string?> findHa1, bool asProxy = false)
    {
        var headerName = asProxy ? SipHeaderNames.ProxyAuthorization : SipHeaderNames.Authorization;
        DigestCredentials? credentials = null;
        foreach (var value in request.Headers.GetAll(headerName))
        {
            DigestCredentials candidate;
            try
            {
                candidate = DigestCredentials.Parse(value, headerName);
            }
            catch (SipParseException)
            {
                return new DigestVerification(DigestVerdict.Malformed);
            }

            // §22.4: several credentials may be present, one per realm; only ours concerns us.
            if (string.Equals(candidate.Realm, _options.Realm, StringComparison.Ordinal))
            {
                credentials = candidate;
                break;
            }
        }

        if (credentials is null)
        {
            return new DigestVerification(DigestVerdict.Missing);
        }

        return Verify(credentials, request.Method, request.RequestUri, findHa1);
    }

    public DigestVerification Verify(DigestCredentials credentials, string method, SipUri requestUri, Func<string, string?> findHa1)
    {
        var rejected = new DigestVerification(DigestVerdict.Rejected, credentials.UserName);
        if (credentials.Algorithm is not null && !string.Equals(credentials.Algorithm, DigestChallenge.Md5, StringComparison.OrdinalIgnoreCase))
        {
            return rejected;
        }

        if (credentials.Qop is not null
            && (!string.Equals(credentials.Qop, DigestChallenge.QopAuth, StringComparison.OrdinalIgnoreCase) || credentials.CNonce is null || credentials.NonceCount is null))
        {
            // RFC 2617 §3.2.2: with qop, cnonce and nc are mandatory; auth-int is not offered.
            return rejected;
        }

        // RFC 2617 §3.2.2.5: the digest-uri must name the request's resource, or a captured answer could be replayed elsewhere.
        if (!SipUri.TryParse(credentials.Uri, out var digestUri) || !digestUri!.IsEquivalentTo(requestUri))
        {
            return rejected;
        }

        var nonceAge = ReadNonceAge(credentials.Nonce);
        if (nonceAge is null || findHa1(credentials.UserName) is not { } ha1)
        {
            return rejected;
        }

        var expected = DigestCalculator.ComputeResponse(ha1, credentials.Nonce, method, credentials.Uri, credentials.Qop, credentials.NonceCount, credentials.CNonce);
        var matches = CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected),
            Encoding.ASCII.GetBytes(credentials.Response.ToLowerInvariant()));
        if (!matches)
        {
            return rejected;
        }

        return nonceAge.Value > _options.NonceLifetime
            ? new DigestVerification(DigestVerdict.Stale, credentials.UserName)
            : new DigestVerification(DigestVerdict.Authorized, credentials.UserName);
    }

    private string CreateNonce()
    {
        Span<byte> nonce = stackalloc byte[NonceBytes];
        BinaryPrimitives.WriteInt64BigEndian(nonce, _time.GetUtcNow().ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(nonce.Slice(TimestampBytes, RandomBytes));
        Sign(nonce[..(TimestampBytes + RandomBytes)], nonce[(TimestampBytes + RandomBytes)..]);
        return Convert.ToBase64String(nonce);
    }

    /// <summary>How old a nonce we issued is; null when it is not ours (bad encoding or signature) or from the future.</summary>
    private TimeSpan? ReadNonceAge(string nonce)
    {
        Span<byte> bytes = stackalloc byte[NonceBytes];
        if (!Convert.TryFromBase64String(nonce, bytes, out var written) || written != NonceBytes)
        {
            return null;
        }

        Span<byte> mac = stackalloc byte[DigestServerOptions.NonceMacBytes];
        Sign(bytes[..(TimestampBytes + RandomBytes)], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[(TimestampBytes + RandomBytes)..]))
        {
            return null;
        }

        var issued = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes));
        var age = _time.GetUtcNow() - issued;
        return age < TimeSpan.Zero ? null : age;
    }

    private void Sign(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var realm = Encoding.UTF8.GetBytes(_options.Realm);
        var input = new byte[data.Length + realm.Length];
        data.CopyTo(input);
        realm.CopyTo(input.AsSpan(data.Length));
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_options.NonceKey, input, full);
        full[..destination.Length].CopyTo(destination);
    }
}
