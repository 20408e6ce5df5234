using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>States of the non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).</summary>
public enum NonInviteClientState
{
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// <summary>
/// The non-INVITE client transaction (RFC 3261 §17.1.2). Over unreliable transports Timer E retransmits with
/// doubling intervals capped at T2 while Trying, and every T2 while Proceeding; Timer F bounds the whole wait;
/// Timer K absorbs response retransmissions after the final response.
/// </summary>
public sealed class NonInviteClientTransaction : SipClientTransaction
{
    private readonly SipTransactionTimer _timerE;
    private readonly SipTransactionTimer _timerF;
    private readonly SipTransactionTimer _timerK;

    internal NonInviteClientTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time, ISipClientTransactionUser user)
        : base(request, key, transport, remote, options, time, user)
    {
        _timerE = CreateTimer(OnTimerE);
        _timerF = CreateTimer(OnTimerF);
        _timerK = CreateTimer(OnTimerK);
    }

    public NonInviteClientState State { get; private set; } = NonInviteClientState.Trying;

    public override bool IsTerminated => State == NonInviteClientState.Terminated;

    public static bool IsLegalTransition(NonInviteClientState from, NonInviteClientState to) => (from, to) switch
    {
        (NonInviteClientState.Trying, NonInviteClientState.Proceeding or NonInviteClientState.Completed or NonInviteClientState.Terminated) => true,
        (NonInviteClientState.Proceeding, NonInviteClientState.Completed or NonInviteClientState.Terminated) => true,
        (NonInviteClientState.Completed, NonInviteClientState.Terminated) => true,
        _ => false,
    };

    private protected override SipTransactionTimer RetransmitTimer => _timerE;

    private protected override SipTransactionTimer TimeoutTimer => _timerF;

    private protected override void EnterTerminated() => TransitionTo(NonInviteClientState.Terminated);

    internal override void ReceiveResponse(SipResponse response)
    {
        var deliver = false;
        var terminated = false;
        lock (Gate)
        {
            switch (State)
            {
                case NonInviteClientState.Trying or NonInviteClientState.Proceeding when response.IsProvisional:
                    if (State == NonInviteClientState.Trying)
                    {
                        TransitionTo(NonInviteClientState.Proceeding);
                    }

                    deliver = true;
                    break;
                case NonInviteClientState.Trying or NonInviteClientState.Proceeding:
                    _timerE.Stop();
                    _timerF.Stop();
                    TransitionTo(NonInviteClientState.Completed);
                    if (IsReliable)
                    {
                        // Timer K is zero on reliable transports (§17.1.2.2).
                        TransitionTo(NonInviteClientState.Terminated);
                        terminated = true;
                    }
                    else
                    {
                        _timerK.Start(Options.T4);
                    }

                    deliver = true;
                    break;
            }
        }

        if (deliver)
        {
            User.OnResponse(this, response);
        }

        if (terminated)
        {
            NotifyTerminated();
        }
    }

    private void OnTimerE()
    {
        lock (Gate)
        {
            switch (State)
            {
                case NonInviteClientState.Trying:
                    SendBytes(RequestBytes);
                    _timerE.Start(Min(_timerE.Interval * 2, Options.T2));
                    break;
                case NonInviteClientState.Proceeding:
                    // §17.1.2.2: once a provisional arrived, retransmit every T2.
                    SendBytes(RequestBytes);
                    _timerE.Start(Options.T2);
                    break;
            }
        }
    }

    private void OnTimerF()
    {
        lock (Gate)
        {
            if (State is not (NonInviteClientState.Trying or NonInviteClientState.Proceeding))
            {
                return;
            }

            TransitionTo(NonInviteClientState.Terminated);
        }

        User.OnTimeout(this);
        NotifyTerminated();
    }

    private void OnTimerK()
    {
        lock (Gate)
        {
            if (State != NonInviteClientState.Completed)
            {
                return;
            }

            TransitionTo(NonInviteClientState.Terminated);
        }

        NotifyTerminated();
    }

    private static TimeSpan Min(TimeSpan left, TimeSpan right) => left < right ? left : right;

    private void TransitionTo(NonInviteClientState next)
    {
        if (!IsLegalTransition(State, next))
        {
            ThrowIllegal(nameof(NonInviteClientTransaction), State, next);
        }

        State = next;
        if (next == NonInviteClientState.Terminated)
        {
            _timerE.Stop();
            _timerF.Stop();
            _timerK.Stop();
        }
    }
}
