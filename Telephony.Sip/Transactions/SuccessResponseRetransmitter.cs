namespace CallCenter.Telephony.Sip.Transactions;

public enum SuccessRetransmissionState
{
    WaitingForAck,
    Acknowledged,
    GaveUp,
}

/// <summary>
/// The UAS core's duty for a 2xx to INVITE (RFC 3261 §13.3.1.4): the 2xx is resent at T1, 2*T1, … capped at
/// T2 until the ACK arrives; after 64*T1 without one the dialog must be ended with BYE, which
/// <paramref name="onAckTimeout"/> is told to do. The transaction layer does not do this because the ACK
/// for a 2xx is its own transaction (§17.1.1.3, RFC 6026).
/// </summary>
public sealed class SuccessResponseRetransmitter : IDisposable
{
    private readonly object _gate = new();
    private readonly Action _retransmit;
    private readonly Action _onAckTimeout;
    private readonly SipTransactionOptions _options;
    private readonly SipTransactionTimer _resendTimer;
    private readonly SipTransactionTimer _giveUpTimer;

    public SuccessResponseRetransmitter(Action retransmit, Action onAckTimeout, SipTransactionOptions options, TimeProvider time)
    {
        _retransmit = retransmit;
        _onAckTimeout = onAckTimeout;
        _options = options;
        _resendTimer = new SipTransactionTimer(time, OnResend);
        _giveUpTimer = new SipTransactionTimer(time, OnGiveUp);
    }

    public SuccessRetransmissionState State { get; private set; } = SuccessRetransmissionState.WaitingForAck;

    public static bool IsLegalTransition(SuccessRetransmissionState from, SuccessRetransmissionState to) =>
        from == SuccessRetransmissionState.WaitingForAck && to is SuccessRetransmissionState.Acknowledged or SuccessRetransmissionState.GaveUp;

    /// <summary>Call once the first 2xx has been sent.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (State != SuccessRetransmissionState.WaitingForAck || _giveUpTimer.IsRunning)
            {
                throw new SipTransactionStateException("The 2xx retransmission was already started or finished.");
            }

            _resendTimer.Start(_options.T1);
            _giveUpTimer.Start(_options.TransactionTimeout);
        }
    }

    /// <summary>Stops the retransmissions; false when the ACK came too late or twice.</summary>
    public bool AckReceived()
    {
        lock (_gate)
        {
            if (State != SuccessRetransmissionState.WaitingForAck)
            {
                return false;
            }

            TransitionTo(SuccessRetransmissionState.Acknowledged);
            return true;
        }
    }

    public void Dispose()
    {
        _resendTimer.Dispose();
        _giveUpTimer.Dispose();
    }

    private void OnResend()
    {
        lock (_gate)
        {
            if (State != SuccessRetransmissionState.WaitingForAck)
            {
                return;
            }

            _retransmit();
            var doubled = _resendTimer.Interval * 2;
            _resendTimer.Start(doubled < _options.T2 ? doubled : _options.T2);
        }
    }

    private void OnGiveUp()
    {
        lock (_gate)
        {
            if (State != SuccessRetransmissionState.WaitingForAck)
            {
                return;
            }

            TransitionTo(SuccessRetransmissionState.GaveUp);
        }

        _onAckTimeout();
    }

    private void TransitionTo(SuccessRetransmissionState next)
    {
        if (!IsLegalTransition(State, next))
        {
            throw new SipTransactionStateException($"{nameof(SuccessResponseRetransmitter)}: illegal transition {State} -> {next}.");
        }

        State = next;
        _resendTimer.Stop();
        _giveUpTimer.Stop();
    }
}
