using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>
/// One agent phone's binding. Calls to the user go to <paramref name="Contact"/> exactly as registered (the Request-URI)
/// but are sent to <paramref name="Source"/>, where the REGISTER came from: behind NAT, and with baresip's own contact
/// user, that is the only address known to reach the phone (RFC 3581, RFC 5626 flows).
/// </summary>
public sealed record Registration(string User, SipUri Contact, IPEndPoint Source, SipTransportProtocol Transport, DateTimeOffset ExpiresAt);

/// <summary>
/// The registrar (RFC 3261 §10.3) for agent phones: REGISTER with Digest (§22, MD5, qop=auth, stale nonces), expiry
/// from the contact's expires parameter or the Expires header, "*" with Expires: 0 to remove, 423 Interval Too Brief
/// below the minimum, and bindings that lapse on their own (TimeProvider timer). One binding per user: the latest wins.
/// </summary>
public sealed class Registrar
{
    internal const int IntervalTooBrief = 423;
    internal const string MinExpiresHeader = "Min-Expires";
    private const int NonceKeyBytes = 32;

    private readonly SipUserAgentOptions _options;
    private readonly ICredentialStore _credentials;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SipUserAgent _agent;
    private readonly DigestServer _digest;
    private readonly Dictionary<string, Binding> _bindings = new(StringComparer.Ordinal);
    private long _generation;

    internal Registrar(SipUserAgentOptions options, ICredentialStore credentials, TimeProvider time, ILogger logger, SipUserAgent agent)
    {
        _options = options;
        _credentials = credentials;
        _time = time;
        _logger = logger;
        _agent = agent;
        _digest = new DigestServer(new DigestServerOptions { Realm = options.Realm, NonceKey = RandomNumberGenerator.GetBytes(NonceKeyBytes) }, time);
    }

    /// <summary>A new or refreshed binding.</summary>
    public event Action<Registration>? Registered;

    /// <summary>A user's binding went away: removed by REGISTER or expired.</summary>
    public event Action<string>? Unregistered;

    public IReadOnlyCollection<Registration> All
    {
        get
        {
            lock (_bindings)
            {
                return [.. _bindings.Values.Select(b => b.Registration)];
            }
        }
    }

    public Registration? Lookup(string user)
    {
        lock (_bindings)
        {
            return _bindings.TryGetValue(user, out var binding) ? binding.Registration : null;
        }
    }

    internal void Dispose()
    {
        lock (_bindings)
        {
            foreach (var binding in _bindings.Values)
            {
                binding.Timer.Dispose();
            }

            _bindings.Clear();
        }
    }

    internal async Task HandleAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        var request = transaction.Request;
        var user = request.To?.Uri.User;
        if (string.IsNullOrEmpty(user))
        {
            _agent.Respond(transaction, SipStatusCodes.BadRequest, "To has no user");
            return;
        }

        var credentials = FindCredentials(request);
        if (credentials is null)
        {
            _agent.Respond(transaction, Challenge(transaction, stale: false));
            return;
        }

        if (credentials is not { } given || given.Value is not { } digest)
        {
            _agent.Respond(transaction, SipStatusCodes.BadRequest, "Malformed Authorization");
            return;
        }

        // §10.3 step 3: the authenticated user may only change its own bindings.
        if (!string.Equals(digest.UserName, user, StringComparison.Ordinal))
        {
            _agent.Respond(transaction, SipStatusCodes.Forbidden, "Credentials do not match the address of record");
            return;
        }

        var password = await _credentials.GetPasswordAsync(user, ct).ConfigureAwait(false);
        if (password is null)
        {
            _logger.LogWarning("REGISTER for unknown user {User} from {Source}", user, transaction.Remote);
            _agent.Respond(transaction, SipStatusCodes.Forbidden, "Unknown user");
            return;
        }

        var ha1 = DigestCalculator.ComputeHa1(user, _options.Realm, password);
        switch (_digest.Verify(digest, request.Method, request.RequestUri, _ => ha1).Verdict)
        {
            case DigestVerdict.Authorized:
                break;
            case DigestVerdict.Stale:
                _agent.Respond(transaction, Challenge(transaction, stale: true));
                return;
            case DigestVerdict.Malformed:
                _agent.Respond(transaction, SipStatusCodes.BadRequest, "Malformed Authorization");
                return;
            default:
                // Right password but a nonce or URI we cannot accept deserves a fresh challenge; a wrong password does not.
                var expected = DigestCalculator.ComputeResponse(ha1, digest.Nonce, request.Method, digest.Uri, digest.Qop, digest.NonceCount, digest.CNonce);
                if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(digest.Response.ToLowerInvariant())))
                {
                    _agent.Respond(transaction, Challenge(transaction, stale: false));
                }
                else
                {
                    _logger.LogWarning("REGISTER for {User} from {Source} with a wrong password", user, transaction.Remote);
                    _agent.Respond(transaction, SipStatusCodes.Forbidden, "Wrong credentials");
                }

                return;
        }

        UpdateBindings(transaction, user);
    }

    /// <summary>§10.3 steps 6-8 for an authorized REGISTER.</summary>
    private void UpdateBindings(SipServerTransaction transaction, string user)
    {
        var request = transaction.Request;
        var contactValues = request.Headers.GetListValues(SipHeaderNames.Contact);
        if (!TryReadExpiresHeader(request, out var headerExpires))
        {
            _agent.Respond(transaction, SipStatusCodes.BadRequest, "Invalid Expires");
            return;
        }

        if (contactValues.Contains("*"))
        {
            // §10.2.2: "*" removes every binding and is only valid alone with Expires: 0.
            if (contactValues.Count != 1 || headerExpires != 0)
            {
                _agent.Respond(transaction, SipStatusCodes.BadRequest, "Wildcard Contact needs Expires: 0");
                return;
            }

            Remove(user, contact: null);
            _agent.Respond(transaction, CreateOk(transaction, user));
            return;
        }

        var changes = new List<(SipUri Contact, int Expires)>();
        foreach (var contact in request.Contacts)
        {
            var expires = headerExpires ?? _options.DefaultExpiresSeconds;
            if (contact.Parameters.Get("expires") is { } parameter)
            {
                if (!int.TryParse(parameter, NumberStyles.None, CultureInfo.InvariantCulture, out expires))
                {
                    _agent.Respond(transaction, SipStatusCodes.BadRequest, "Invalid expires parameter");
                    return;
                }
            }

            if (expires > 0 && expires < _options.MinExpiresSeconds)
            {
                var tooBrief = _agent.CreateResponse(transaction, IntervalTooBrief, "Interval Too Brief");
                tooBrief.Headers.Add(MinExpiresHeader, _options.MinExpiresSeconds.ToString(CultureInfo.InvariantCulture));
                _agent.Respond(transaction, tooBrief);
                return;
            }

            changes.Add((contact.Uri, Math.Min(expires, _options.MaxExpiresSeconds)));
        }

        foreach (var (contact, expires) in changes)
        {
            if (expires == 0)
            {
                Remove(user, contact);
            }
            else if (!Bind(user, contact, transaction, expires))
            {
                _agent.Respond(transaction, SipStatusCodes.ServiceUnavailable, "Registrar full");
                return;
            }
        }

        _agent.Respond(transaction, CreateOk(transaction, user));
    }

    private bool Bind(string user, SipUri contact, SipServerTransaction transaction, int expires)
    {
        var registration = new Registration(user, contact, transaction.Remote, transaction.Transport.Protocol, _time.GetUtcNow().AddSeconds(expires));
        lock (_bindings)
        {
            if (!_bindings.TryGetValue(user, out var previous) && _bindings.Count >= _options.MaxRegistrations)
            {
                return false;
            }

            previous?.Timer.Dispose();
            var generation = ++_generation;
            var timer = _time.CreateTimer(_ => Expire(user, generation), null, TimeSpan.FromSeconds(expires), Timeout.InfiniteTimeSpan);
            _bindings[user] = new Binding(registration, timer, generation);
        }

        _logger.LogInformation("{User} registered at {Contact} via {Source} for {Expires} s", user, contact, transaction.Remote, expires);
        Raise(() => Registered?.Invoke(registration));
        return true;
    }

    /// <summary>Removes the user's binding (only if it is <paramref name="contact"/> when one is given).</summary>
    private void Remove(string user, SipUri? contact)
    {
        lock (_bindings)
        {
            if (!_bindings.TryGetValue(user, out var binding) || (contact is not null && !binding.Registration.Contact.IsEquivalentTo(contact)))
            {
                return;
            }

            binding.Timer.Dispose();
            _bindings.Remove(user);
        }

        _logger.LogInformation("{User} unregistered", user);
        Raise(() => Unregistered?.Invoke(user));
    }

    private void Expire(string user, long generation)
    {
        lock (_bindings)
        {
            if (!_bindings.TryGetValue(user, out var binding) || binding.Generation != generation)
            {
                return;
            }

            binding.Timer.Dispose();
            _bindings.Remove(user);
        }

        _logger.LogInformation("Registration of {User} expired", user);
        Raise(() => Unregistered?.Invoke(user));
    }

    private void Raise(Action raise)
    {
        try
        {
            raise();
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Registrar event handler failed");
        }
    }

    /// <summary>§10.3 step 8: the 200 lists the current bindings with their remaining time.</summary>
    private SipResponse CreateOk(SipServerTransaction transaction, string user)
    {
        var ok = _agent.CreateResponse(transaction, SipStatusCodes.Ok);
        if (Lookup(user) is { } registration)
        {
            var remaining = Math.Max(0, (int)Math.Ceiling((registration.ExpiresAt - _time.GetUtcNow()).TotalSeconds));
            var contact = new SipNameAddress { Uri = registration.Contact }.WithParameter("expires", remaining.ToString(CultureInfo.InvariantCulture));
            ok.Headers.Add(SipHeaderNames.Contact, contact.ToString());
        }

        return ok;
    }

    private SipResponse Challenge(SipServerTransaction transaction, bool stale)
    {
        var response = _digest.CreateChallengeResponse(transaction.Request, transaction.ToTag, stale);
        response.Headers.Add(SipHeaderNames.Server, _options.ServerName);
        return response;
    }

    /// <summary>Null: no credentials for our realm; a result without value: credentials that cannot be read.</summary>
    private Parsed? FindCredentials(SipRequest request)
    {
        foreach (var value in request.Headers.GetAll(SipHeaderNames.Authorization))
        {
            try
            {
                var candidate = DigestCredentials.Parse(value, SipHeaderNames.Authorization);
                if (string.Equals(candidate.Realm, _options.Realm, StringComparison.Ordinal))
                {
                    return new Parsed(candidate);
                }
            }
            catch (SipParseException)
            {
                return new Parsed(null);
            }
        }

        return null;
    }

    private static bool TryReadExpiresHeader(SipRequest request, out int? expires)
    {
        expires = null;
        if (request.Headers.Get(SipHeaderNames.Expires) is not { } value)
        {
            return true;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            expires = seconds;
            return true;
        }

        return false;
    }

    private sealed record Binding(Registration Registration, ITimer Timer, long Generation);

    private readonly record struct Parsed(DigestCredentials? Value);
}
