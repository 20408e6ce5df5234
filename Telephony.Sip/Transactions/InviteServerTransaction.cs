using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>States of the INVITE server transaction (RFC 3261 §17.2.1, Figure 7, with RFC 6026 Accepted).</summary>
public enum InviteServerState
{
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// <summary>
/// The INVITE server transaction (RFC 3261 §17.2.1 as updated by RFC 6026 §8.5–8.7). It sends 100 Trying
/// unless the TU answers within <see cref="SipTransactionOptions.TryingDelay"/>; a failure response is
/// retransmitted on Timer G (doubling to T2) until the ACK arrives or Timer H gives up, and Timer I absorbs
/// ACK retransmissions. A 2xx moves to Accepted: the TU retransmits the 2xx itself (see
/// <see cref="SuccessResponseRetransmitter"/>), and INVITE retransmissions are absorbed until Timer L.
/// </summary>
public sealed class InviteServerTransaction : SipServerTransaction
{
    private readonly SipTransactionTimer _trying;
    private readonly SipTransactionTimer _timerG;
    private readonly SipTransactionTimer _timerH;
    private readonly SipTransactionTimer _timerI;
    private readonly SipTransactionTimer _timerL;
    private byte[]? _lastProvisional;
    private byte[]? _finalResponse;

    internal InviteServerTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time)
        : base(request, key, transport, remote, options, time)
    {
        _trying = CreateTimer(OnTryingTimer);
        _timerG = CreateTimer(OnTimerG);
        _timerH = CreateTimer(OnTimerH);
        _timerI = CreateTimer(OnTimerI);
        _timerL = CreateTimer(OnTimerL);
    }

    public InviteServerState State { get; private set; } = InviteServerState.Proceeding;

    public override bool IsTerminated => State == InviteServerState.Terminated;

    /// <summary>True until a final response was sent: a CANCEL still has an effect (§9.2).</summary>
    public bool IsPending => State == InviteServerState.Proceeding;

    /// <summary>Called by the layer with an ACK that matched this transaction while Accepted (RFC 6026 §8.7).</summary>
    internal Action<SipRequest>? AcceptedAckHandler { get; set; }

    public static bool IsLegalTransition(InviteServerState from, InviteServerState to) => (from, to) switch
    {
        (InviteServerState.Proceeding, InviteServerState.Completed or InviteServerState.Accepted or InviteServerState.Terminated) => true,
        (InviteServerState.Completed, InviteServerState.Confirmed or InviteServerState.Terminated) => true,
        (InviteServerState.Confirmed, InviteServerState.Terminated) => true,
        (InviteServerState.Accepted, InviteServerState.Terminated) => true,
        _ => false,
    };

    /// <summary>Arms the 100 Trying timer, or sends 100 Trying at once when the delay is zero.</summary>
    internal void Start()
    {
        if (Options.TryingDelay == TimeSpan.Zero)
        {
            OnTryingTimer();
        }
        else
        {
            _trying.Start(Options.TryingDelay);
        }
    }

    public override void SendResponse(SipResponse response)
    {
        var failure = false;
        var terminated = false;
        lock (Gate)
        {
            _trying.Stop();
            var bytes = Serialize(response);
            switch (State)
            {
                case InviteServerState.Proceeding when response.IsProvisional:
                    _lastProvisional = bytes;
                    failure = !SendBytes(bytes);
                    break;
                case InviteServerState.Proceeding when response.IsSuccess:
                    TransitionTo(InviteServerState.Accepted);
                    failure = !SendBytes(bytes);
                    if (!failure)
                    {
                        _timerL.Start(Options.TransactionTimeout);
                    }

                    break;
                case InviteServerState.Proceeding:
                    TransitionTo(InviteServerState.Completed);
                    _finalResponse = bytes;
                    failure = !SendBytes(bytes);
                    if (!failure)
                    {
                        if (!IsReliable)
                        {
                            _timerG.Start(Options.T1);
                        }

                        _timerH.Start(Options.TransactionTimeout);
                    }

                    break;
                case InviteServerState.Accepted when response.IsSuccess:
                    // RFC 6026 §8.6: the TU's 2xx retransmissions pass straight through.
                    failure = !SendBytes(bytes);
                    break;
                default:
                    throw new SipTransactionStateException(
                        $"{nameof(InviteServerTransaction)}: cannot send {response.StatusCode} in state {State}.");
            }

            if (failure)
            {
                TransitionTo(InviteServerState.Terminated);
                terminated = true;
            }
        }

        if (failure)
        {
            NotifyFailure(SipServerTransactionFailure.TransportError);
        }

        if (terminated)
        {
            NotifyTerminated();
        }
    }

    internal override void ReceiveRetransmission(SipRequest request)
    {
        var terminated = false;
        Action<SipRequest>? acceptedAck = null;
        lock (Gate)
        {
            if (request.Method == SipMethods.Ack)
            {
                switch (State)
                {
                    case InviteServerState.Completed:
                        _timerG.Stop();
                        _timerH.Stop();
                        TransitionTo(InviteServerState.Confirmed);
                        if (IsReliable)
                        {
                            // Timer I is zero on reliable transports (§17.2.1).
                            TransitionTo(InviteServerState.Terminated);
                            terminated = true;
                        }
                        else
                        {
                            _timerI.Start(Options.T4);
                        }

                        break;
                    case InviteServerState.Accepted:
                        acceptedAck = AcceptedAckHandler;
                        break;
                }
            }
            else
            {
                switch (State)
                {
                    case InviteServerState.Proceeding when _lastProvisional is not null:
                        SendBytes(_lastProvisional);
                        break;
                    case InviteServerState.Completed:
                        SendBytes(_finalResponse!);
                        break;

                    // Accepted: RFC 6026 §8.5 absorbs retransmitted INVITEs; the TU's 2xx retransmission covers them.
                }
            }
        }

        acceptedAck?.Invoke(request);
        if (terminated)
        {
            NotifyTerminated();
        }
    }

    private void OnTryingTimer()
    {
        lock (Gate)
        {
            if (State != InviteServerState.Proceeding || _lastProvisional is not null)
            {
                return;
            }

            _lastProvisional = Serialize(CreateResponse(SipStatusCodes.Trying));
            SendBytes(_lastProvisional);
        }
    }

    private void OnTimerG()
    {
        lock (Gate)
        {
            if (State != InviteServerState.Completed)
            {
                return;
            }

            SendBytes(_finalResponse!);
            var doubled = _timerG.Interval * 2;
            _timerG.Start(doubled < Options.T2 ? doubled : Options.T2);
        }
    }

    private void OnTimerH()
    {
        lock (Gate)
        {
            if (State != InviteServerState.Completed)
            {
                return;
            }

            TransitionTo(InviteServerState.Terminated);
        }

        NotifyFailure(SipServerTransactionFailure.AckTimeout);
        NotifyTerminated();
    }

    private void OnTimerI() => TerminateFrom(InviteServerState.Confirmed);

    private void OnTimerL() => TerminateFrom(InviteServerState.Accepted);

    private void TerminateFrom(InviteServerState expected)
    {
        lock (Gate)
        {
            if (State != expected)
            {
                return;
            }

            TransitionTo(InviteServerState.Terminated);
        }

        NotifyTerminated();
    }

    private void TransitionTo(InviteServerState next)
    {
        if (!IsLegalTransition(State, next))
        {
            ThrowIllegal(nameof(InviteServerTransaction), State, next);
        }

        State = next;
        if (next == InviteServerState.Terminated)
        {
            _trying.Stop();
            _timerG.Stop();
            _timerH.Stop();
            _timerI.Stop();
            _timerL.Stop();
        }
    }
}
