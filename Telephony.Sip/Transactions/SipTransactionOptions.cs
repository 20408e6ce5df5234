namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>
/// Timer values of RFC 3261 §17 and Table 4 (Appendix A), and the limits of the transaction layer.
/// All timers derive from T1, T2 and T4 unless set explicitly.
/// </summary>
public sealed record SipTransactionOptions
{
    /// <summary>RTT estimate (§17.1.1.1).</summary>
    public static readonly TimeSpan DefaultT1 = TimeSpan.FromMilliseconds(500);

    /// <summary>Maximum retransmit interval for non-INVITE requests and INVITE responses (§17.1.2.2).</summary>
    public static readonly TimeSpan DefaultT2 = TimeSpan.FromSeconds(4);

    /// <summary>Maximum duration a message remains in the network (§17.1.2.2).</summary>
    public static readonly TimeSpan DefaultT4 = TimeSpan.FromSeconds(5);

    /// <summary>Timer D: wait for response retransmissions, at least 32 s for unreliable transports (§17.1.1.2).</summary>
    public static readonly TimeSpan DefaultTimerD = TimeSpan.FromSeconds(32);

    /// <summary>
    /// A UAS must send 100 Trying unless the TU answers within 200 ms (§17.2.1). We give the TU half of that,
    /// so that the 100 still reaches the peer within 200 ms of its INVITE.
    /// </summary>
    public static readonly TimeSpan DefaultTryingDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Multiplier of T1 for timers B, F, H, J, L and M (§17, RFC 6026).</summary>
    public const int TransactionTimeoutMultiplier = 64;

    /// <summary>Requests larger than the path MTU minus 200 bytes must go over a congestion-controlled transport (§18.1.1).</summary>
    public const int MaxUdpRequestBytes = 1300;

    /// <summary>
    /// A trunk or SBC sends every call from one address, and over UDP each BYE's server transaction
    /// lingers for Timer J (32 s) to absorb retransmissions: at 500 calls/s that is ~16,000 open
    /// transactions from one honest source. The bound is for a runaway or hostile source, not for that.
    /// </summary>
    public const int DefaultMaxServerTransactionsPerSource = 32_768;

    public TimeSpan T1 { get; init; } = DefaultT1;

    public TimeSpan T2 { get; init; } = DefaultT2;

    public TimeSpan T4 { get; init; } = DefaultT4;

    public TimeSpan TimerD { get; init; } = DefaultTimerD;

    /// <summary>How long an INVITE server transaction waits for the TU before sending 100 Trying itself; zero sends it at once.</summary>
    public TimeSpan TryingDelay { get; init; } = DefaultTryingDelay;

    /// <summary>Bounds the server transactions one source IP address may hold open; beyond it requests get 503.</summary>
    public int MaxServerTransactionsPerSource { get; init; } = DefaultMaxServerTransactionsPerSource;

    /// <summary>Timers B, F, H, J, L and M: 64*T1.</summary>
    public TimeSpan TransactionTimeout => T1 * TransactionTimeoutMultiplier;

    public void Validate()
    {
        if (T1 <= TimeSpan.Zero || T2 < T1 || T4 <= TimeSpan.Zero || TimerD < TimeSpan.Zero || TryingDelay < TimeSpan.Zero || MaxServerTransactionsPerSource <= 0)
        {
            throw new ArgumentException("Transaction timers must be positive with T2 >= T1, and the per-source limit positive.");
        }
    }
}
