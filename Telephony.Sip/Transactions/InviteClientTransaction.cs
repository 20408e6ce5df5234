using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>States of the INVITE client transaction (RFC 3261 §17.1.1, Figure 5, with RFC 6026 Accepted).</summary>
public enum InviteClientState
{
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// <summary>
/// The INVITE client transaction (RFC 3261 §17.1.1 as updated by RFC 6026 §8.4). Timer A retransmits the INVITE
/// over unreliable transports with doubling intervals (no T2 cap for INVITE); Timer B ends the wait for any
/// response; a failure response is acknowledged here (ACK inside the transaction, §17.1.1.3) and Timer D absorbs
/// its retransmissions; a 2xx moves to Accepted, where Timer M keeps the transaction alive so that 2xx
/// retransmissions from other forks reach the TU, which acknowledges 2xx itself (§13.2.2.4).
/// </summary>
public sealed class InviteClientTransaction : SipClientTransaction
{
    private readonly SipTransactionTimer _timerA;
    private readonly SipTransactionTimer _timerB;
    private readonly SipTransactionTimer _timerD;
    private readonly SipTransactionTimer _timerM;
    private byte[]? _ackBytes;

    internal InviteClientTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time, ISipClientTransactionUser user)
        : base(request, key, transport, remote, options, time, user)
    {
        _timerA = CreateTimer(OnTimerA);
        _timerB = CreateTimer(OnTimerB);
        _timerD = CreateTimer(OnTimerD);
        _timerM = CreateTimer(OnTimerM);
    }

    public InviteClientState State { get; private set; } = InviteClientState.Calling;

    public override bool IsTerminated => State == InviteClientState.Terminated;

    /// <summary>A CANCEL may only be sent once a provisional response arrived (§9.1).</summary>
    public bool MayCancel => State == InviteClientState.Proceeding;

    /// <summary>The transitions of Figure 5 with RFC 6026's Accepted state; anything else is a bug.</summary>
    public static bool IsLegalTransition(InviteClientState from, InviteClientState to) => (from, to) switch
    {
        (InviteClientState.Calling, InviteClientState.Proceeding or InviteClientState.Completed or InviteClientState.Accepted or InviteClientState.Terminated) => true,
        (InviteClientState.Proceeding, InviteClientState.Completed or InviteClientState.Accepted or InviteClientState.Terminated) => true,
        (InviteClientState.Completed, InviteClientState.Terminated) => true,
        (InviteClientState.Accepted, InviteClientState.Terminated) => true,
        _ => false,
    };

    private protected override SipTransactionTimer RetransmitTimer => _timerA;

    private protected override SipTransactionTimer TimeoutTimer => _timerB;

    private protected override void EnterTerminated() => TransitionTo(InviteClientState.Terminated);

    internal override void ReceiveResponse(SipResponse response)
    {
        var deliver = false;
        var terminated = false;
        lock (Gate)
        {
            switch (State)
            {
                case InviteClientState.Calling or InviteClientState.Proceeding when response.IsProvisional:
                    if (State == InviteClientState.Calling)
                    {
                        // §17.1.1.2: a provisional response stops retransmissions; Timer B only guards Calling.
                        _timerA.Stop();
                        _timerB.Stop();
                        TransitionTo(InviteClientState.Proceeding);
                    }

                    deliver = true;
                    break;
                case InviteClientState.Calling or InviteClientState.Proceeding when response.IsSuccess:
                    _timerA.Stop();
                    _timerB.Stop();
                    TransitionTo(InviteClientState.Accepted);
                    _timerM.Start(Options.TransactionTimeout);
                    deliver = true;
                    break;
                case InviteClientState.Calling or InviteClientState.Proceeding:
                    _timerA.Stop();
                    _timerB.Stop();
                    TransitionTo(InviteClientState.Completed);
                    _ackBytes = Serialize(CreateAck(Request, response));
                    SendBytes(_ackBytes);
                    terminated = StartWaitOrTerminate(_timerD, IsReliable ? TimeSpan.Zero : Options.TimerD);
                    deliver = true;
                    break;
                case InviteClientState.Completed when response.StatusCode >= 300:
                    // A retransmitted failure response means our ACK was lost: send it again, tell nobody.
                    SendBytes(_ackBytes!);
                    break;
                case InviteClientState.Accepted when response.IsSuccess:
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

    /// <summary>
    /// The ACK for a non-2xx final response (§17.1.1.3): Request-URI, Call-ID, From, Route and the top Via of the
    /// INVITE, To of the response (with its tag), CSeq number of the INVITE with method ACK.
    /// </summary>
    public static SipRequest CreateAck(SipRequest invite, SipResponse response)
    {
        var ack = new SipRequest(SipMethods.Ack, invite.RequestUri);
        ack.Headers.Add(SipHeaderNames.Via, invite.Headers.GetListValues(SipHeaderNames.Via)[0]);
        ack.Headers.Add(SipHeaderNames.MaxForwards, invite.Headers.Get(SipHeaderNames.MaxForwards) ?? SipDefaults.MaxForwards);
        ack.Headers.CopyFrom(invite.Headers, SipHeaderNames.Route);
        ack.Headers.CopyFrom(invite.Headers, SipHeaderNames.From);
        ack.Headers.CopyFrom(response.Headers, SipHeaderNames.To);
        ack.Headers.CopyFrom(invite.Headers, SipHeaderNames.CallId);
        ack.CSeq = new SipCSeq(invite.CSeq!.Value.Number, SipMethods.Ack);
        return ack;
    }

    /// <summary>
    /// A CANCEL for <paramref name="invite"/> (§9.1): Request-URI, Call-ID, To, From, Route, the CSeq number and the
    /// single top Via (same branch) of the INVITE, method CANCEL. Send it only once <see cref="MayCancel"/>.
    /// </summary>
    public static SipRequest CreateCancel(SipRequest invite)
    {
        var cancel = new SipRequest(SipMethods.Cancel, invite.RequestUri);
        cancel.Headers.Add(SipHeaderNames.Via, invite.Headers.GetListValues(SipHeaderNames.Via)[0]);
        cancel.Headers.Add(SipHeaderNames.MaxForwards, invite.Headers.Get(SipHeaderNames.MaxForwards) ?? SipDefaults.MaxForwards);
        cancel.Headers.CopyFrom(invite.Headers, SipHeaderNames.Route);
        cancel.Headers.CopyFrom(invite.Headers, SipHeaderNames.From);
        cancel.Headers.CopyFrom(invite.Headers, SipHeaderNames.To);
        cancel.Headers.CopyFrom(invite.Headers, SipHeaderNames.CallId);
        cancel.CSeq = new SipCSeq(invite.CSeq!.Value.Number, SipMethods.Cancel);
        return cancel;
    }

    /// <summary>
    /// The TU gives up on the transaction, e.g. no final response 64*T1 after its CANCEL (§9.1): Proceeding has no
    /// timer of its own, so without this a peer that went silent after a provisional response would hold the
    /// transaction forever. The TU is not called back; false when the transaction had already ended.
    /// </summary>
    public bool Abandon()
    {
        lock (Gate)
        {
            if (State == InviteClientState.Terminated)
            {
                return false;
            }

            TransitionTo(InviteClientState.Terminated);
        }

        NotifyTerminated();
        return true;
    }

    private void OnTimerA()
    {
        lock (Gate)
        {
            if (State != InviteClientState.Calling)
            {
                return;
            }

            // §17.1.1.2: retransmit and double the interval; INVITE retransmissions are not capped by T2.
            SendBytes(RequestBytes);
            _timerA.Start(_timerA.Interval * 2);
        }
    }

    private void OnTimerB()
    {
        lock (Gate)
        {
            if (State != InviteClientState.Calling)
            {
                return;
            }

            _timerA.Stop();
            TransitionTo(InviteClientState.Terminated);
        }

        User.OnTimeout(this);
        NotifyTerminated();
    }

    private void OnTimerD() => TerminateFrom(InviteClientState.Completed);

    private void OnTimerM() => TerminateFrom(InviteClientState.Accepted);

    private void TerminateFrom(InviteClientState expected)
    {
        lock (Gate)
        {
            if (State != expected)
            {
                return;
            }

            TransitionTo(InviteClientState.Terminated);
        }

        NotifyTerminated();
    }

    /// <summary>Starts a wait timer, or terminates at once when its duration is zero (reliable transports).</summary>
    private bool StartWaitOrTerminate(SipTransactionTimer timer, TimeSpan duration)
    {
        if (duration > TimeSpan.Zero)
        {
            timer.Start(duration);
            return false;
        }

        TransitionTo(InviteClientState.Terminated);
        return true;
    }

    private void TransitionTo(InviteClientState next)
    {
        if (!IsLegalTransition(State, next))
        {
            ThrowIllegal(nameof(InviteClientTransaction), State, next);
        }

        State = next;
        if (next == InviteClientState.Terminated)
        {
            _timerA.Stop();
            _timerB.Stop();
            _timerD.Stop();
            _timerM.Stop();
        }
    }
}
