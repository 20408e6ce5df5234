using System.Net;
using CallCenter.Telephony.Sip.Transactions;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>Settings of the gateway's SIP user agent; bound from configuration and checked with <see cref="Validate"/> at start-up.</summary>
public sealed class SipUserAgentOptions
{
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The port for UDP and TCP; 0 lets the system choose (then UDP and TCP may differ).</summary>
    public int Port { get; set; } = 5060;

    public bool Udp { get; set; } = true;

    public bool Tcp { get; set; } = true;

    /// <summary>Digest realm of the registrar (RFC 3261 §22.1).</summary>
    public string Realm { get; set; } = "callcenter";

    /// <summary>Sent as Server on responses and User-Agent on requests (§20.35, §20.41).</summary>
    public string ServerName { get; set; } = "CallCenter-Gateway";

    /// <summary>Shorter registrations get 423 Interval Too Brief with Min-Expires (§10.3 step 7).</summary>
    public int MinExpiresSeconds { get; set; } = 60;

    /// <summary>Longer registrations are shortened to this (§10.3 step 7 lets the registrar decrease it).</summary>
    public int MaxExpiresSeconds { get; set; } = 3600;

    /// <summary>Used when a REGISTER carries neither an expires parameter nor an Expires header (§10.2.1.1).</summary>
    public int DefaultExpiresSeconds { get; set; } = 3600;

    /// <summary>
    /// How long an incoming INVITE waits for the application before the UA sends 100 Trying itself. §17.2.1 wants
    /// the 100 within 200 ms, so the default leaves half of that for the network.
    /// </summary>
    public TimeSpan ProvisionalAfter { get; set; } = SipTransactionOptions.DefaultTryingDelay;

    /// <summary>RTT estimate T1 (§17.1.1.1); T2, T4 and the 64*T1 timers follow the RFC defaults relative to it.</summary>
    public TimeSpan T1 { get; set; } = SipTransactionOptions.DefaultT1;

    public TimeSpan T2 { get; set; } = SipTransactionOptions.DefaultT2;

    public TimeSpan T4 { get; set; } = SipTransactionOptions.DefaultT4;

    /// <summary>Open server transactions one source address may hold; beyond it the UA answers 503 with Retry-After.</summary>
    public int MaxTransactionsPerSource { get; set; } = SipTransactionOptions.DefaultMaxServerTransactionsPerSource;

    /// <summary>Bindings the registrar keeps at most; more REGISTERs for new users get 503.</summary>
    public int MaxRegistrations { get; set; } = 100_000;

    /// <summary>How long the implicit subscription of a REFER we accept lasts (RFC 3515 §2.4.4, Subscription-State expires).</summary>
    public int ReferSubscriptionSeconds { get; set; } = 60;

    /// <summary>Every problem with these settings; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(ListenAddress, out var address))
        {
            errors.Add($"ListenAddress '{ListenAddress}' is not an IP address.");
        }
        else if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            errors.Add("ListenAddress must be a concrete address: it is written into Via and Contact.");
        }

        if (Port is < 0 or > IPEndPoint.MaxPort)
        {
            errors.Add($"Port {Port} is outside 0-65535.");
        }

        if (!Udp && !Tcp)
        {
            errors.Add("At least one of Udp and Tcp must be enabled.");
        }

        if (string.IsNullOrWhiteSpace(Realm) || Realm.Contains('"', StringComparison.Ordinal))
        {
            errors.Add("Realm must be non-empty and contain no quote.");
        }

        if (string.IsNullOrWhiteSpace(ServerName) || ServerName.Any(char.IsControl))
        {
            errors.Add("ServerName must be non-empty printable text.");
        }

        if (MinExpiresSeconds <= 0 || MaxExpiresSeconds < MinExpiresSeconds)
        {
            errors.Add("Expires bounds need 0 < MinExpiresSeconds <= MaxExpiresSeconds.");
        }

        if (DefaultExpiresSeconds < MinExpiresSeconds || DefaultExpiresSeconds > MaxExpiresSeconds)
        {
            errors.Add("DefaultExpiresSeconds must lie between MinExpiresSeconds and MaxExpiresSeconds.");
        }

        if (ProvisionalAfter < TimeSpan.Zero || ProvisionalAfter > TimeSpan.FromMilliseconds(200))
        {
            errors.Add("ProvisionalAfter must be between 0 and 200 ms (§17.2.1).");
        }

        if (T1 <= TimeSpan.Zero || T2 < T1 || T4 <= TimeSpan.Zero)
        {
            errors.Add("Timers need T1 > 0, T2 >= T1 and T4 > 0.");
        }

        if (MaxTransactionsPerSource <= 0 || MaxRegistrations <= 0 || ReferSubscriptionSeconds <= 0)
        {
            errors.Add("MaxTransactionsPerSource, MaxRegistrations and ReferSubscriptionSeconds must be positive.");
        }

        return errors;
    }

    internal SipTransactionOptions ToTransactionOptions() => new()
    {
        T1 = T1,
        T2 = T2,
        T4 = T4,
        TryingDelay = ProvisionalAfter,
        MaxServerTransactionsPerSource = MaxTransactionsPerSource,
    };
}
