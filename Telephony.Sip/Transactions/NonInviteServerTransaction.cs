using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>States of the non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).</summary>
public enum NonInviteServerState
{
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// <summary>
/// The non-INVITE server transaction (RFC 3261 §17.2.2): retransmitted requests are answered with the last
/// response sent (nothing while Trying), and Timer J keeps the final response available for them.
/// </summary>
public sealed class NonInviteServerTransaction : SipServerTransaction
{
    private readonly SipTransactionTimer _timerJ;
    private byte[]? _lastResponse;

    internal NonInviteServerTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time)
        : base(request, key, transport, remote, options, time)
    {
        _timerJ = CreateTimer(OnTimerJ);
    }

    public NonInviteServerState State { get; private set; } = NonInviteServerState.Trying;

    public override bool IsTerminated => State == NonInviteServerState.Terminated;

    public static bool IsLegalTransition(NonInviteServerState from, NonInviteServerState to) => (from, to) switch
    {
        (NonInviteServerState.Trying, NonInviteServerState.Proceeding or NonInviteServerState.Completed or NonInviteServerState.Terminated) => true,
        (NonInviteServerState.Proceeding, NonInviteServerState.Completed or NonInviteServerState.Terminated) => true,
        (NonInviteServerState.Completed, NonInviteServerState.Terminated) => true,
        _ => false,
    };

    public override void SendResponse(SipResponse response)
    {
        bool failure;
        var terminated = false;
        lock (Gate)
        {
            if (State is not (NonInviteServerState.Trying or NonInviteServerState.Proceeding))
            {
                throw new SipTransactionStateException(
                    $"{nameof(NonInviteServerTransaction)}: cannot send {response.StatusCode} in state {State}.");
            }

            _lastResponse = Serialize(response);
            if (response.IsProvisional)
            {
                if (State == NonInviteServerState.Trying)
                {
                    TransitionTo(NonInviteServerState.Proceeding);
                }
            }
            else
            {
                TransitionTo(NonInviteServerState.Completed);
                if (IsReliable)
                {
                    // Timer J is zero on reliable transports (§17.2.2).
                    TransitionTo(NonInviteServerState.Terminated);
                    terminated = true;
                }
                else
                {
                    _timerJ.Start(Options.TransactionTimeout);
                }
            }

            failure = !SendBytes(_lastResponse);
            if (failure && !terminated)
            {
                TransitionTo(NonInviteServerState.Terminated);
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
        lock (Gate)
        {
            // Trying: the TU has not answered yet, so the retransmission is simply discarded.
            if (State is NonInviteServerState.Proceeding or NonInviteServerState.Completed)
            {
                SendBytes(_lastResponse!);
            }
        }
    }

    private void OnTimerJ()
    {
        lock (Gate)
        {
            if (State != NonInviteServerState.Completed)
            {
                return;
            }

            TransitionTo(NonInviteServerState.Terminated);
        }

        NotifyTerminated();
    }

    private void TransitionTo(NonInviteServerState next)
    {
        if (!IsLegalTransition(State, next))
        {
            ThrowIllegal(nameof(NonInviteServerTransaction), State, next);
        }

        State = next;
        if (next == NonInviteServerState.Terminated)
        {
            _timerJ.Stop();
        }
    }
}
