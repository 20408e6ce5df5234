using System.Security.Cryptography;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>
/// A call we place by INVITE (RFC 3261 §13.2): provisional responses create an early dialog, a 2xx is acknowledged
/// by its own ACK to the remote target (resent for every 2xx retransmission), failures end the call, Timer B gives a
/// 408, and <see cref="Cancel"/> sends CANCEL once a provisional response allows it (§9.1).
/// </summary>
public sealed class OutgoingCall : SipCall
{
    private const int CNonceBytes = 8;

    private readonly TaskCompletionSource<OutgoingCallResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ClientUser _user;
    private SipRequest _invite;
    private InviteClientTransaction? _transaction;
    private byte[]? _ackBytes;
    private long _ackedSequence = -1;
    private bool _cancelRequested;
    private bool _cancelSent;
    private bool _challengeAnswered;
    private ITimer? _cancelGuard;
    /// <summary>Gives up an INVITE transaction left waiting when the call ended (kept here so that the timer is not collected).</summary>
    private ITimer? _abandonGuard;

    internal OutgoingCall(SipUserAgent agent, OutgoingCallRequest request, SipRequest invite)
        : base(agent, invite.CallId!, request.Destination, request.Transport, request.FromUser, SipCallState.Calling)
    {
        Request = request;
        _invite = invite;
        _user = new ClientUser(this);
        LocalSdp = request.Offer;
    }

    public OutgoingCallRequest Request { get; }

    /// <summary>The INVITE as sent (the latest one when a challenge was answered).</summary>
    public SipRequest Invite => _invite;

    public Task<OutgoingCallResult> Result => _result.Task;

    /// <summary>A 101-199 arrived (180 Ringing, 183 Session Progress, …); 100 Trying is not reported.</summary>
    public event Action<OutgoingCall, int>? Provisional;

    /// <summary>
    /// Gives up on the call before it is answered: CANCEL now if a provisional response came, else as soon as one
    /// comes (§9.1). A 2xx that crosses the CANCEL is acknowledged and ended with BYE. No effect once answered.
    /// </summary>
    public void Cancel()
    {
        lock (Gate)
        {
            if (State is SipCallState.Connected or SipCallState.Ended || _cancelRequested)
            {
                return;
            }

            _cancelRequested = true;
            TrySendCancel();
        }
    }

    public override async Task HangupAsync()
    {
        SipCallState state;
        lock (Gate)
        {
            state = State;
        }

        if (state is SipCallState.Calling or SipCallState.Early)
        {
            Cancel();
            await Ended.ConfigureAwait(false);
        }
        else if (state == SipCallState.Connected)
        {
            await ByeAsync().ConfigureAwait(false);
        }
    }

    internal void Start()
    {
        var transaction = Agent.StartClientTransaction(_invite, Request.Destination, Request.Transport, _user);
        lock (Gate)
        {
            _transaction ??= (InviteClientTransaction)transaction;
        }
    }

    /// <summary>A 2xx that no transaction claims any more (after Timer M): our ACK was lost, send it again (§13.2.2.4).</summary>
    internal void ReceiveStraySuccess(SipResponse response)
    {
        byte[]? ack;
        lock (Gate)
        {
            ack = response.CSeq?.Number == _ackedSequence ? _ackBytes : null;
        }

        if (ack is not null)
        {
            Agent.SendBytes(ack, NextHop(), Protocol);
        }
    }

    private protected override void OnEnded()
    {
        _cancelGuard?.Dispose();
        _cancelGuard = null;

        // The call can end while its INVITE still waits for a final response: the 2xx was lost and the peer's BYE
        // came first, or the call was cancelled. Proceeding has no timer of its own (§17.1.1.2), so the transaction
        // gets 64*T1 to absorb a late final response (and ACK a 487), then is given up instead of held forever.
        if (_transaction is { State: InviteClientState.Calling or InviteClientState.Proceeding } transaction)
        {
            _abandonGuard = Agent.Time.CreateTimer(_ => transaction.Abandon(), null, Agent.TransactionOptions.TransactionTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>True when <paramref name="transaction"/> is the current INVITE's (adopting it if its first report beat <see cref="Start"/>).</summary>
    private bool IsCurrent(SipClientTransaction transaction)
    {
        lock (Gate)
        {
            _transaction ??= transaction as InviteClientTransaction;
            return ReferenceEquals(transaction, _transaction);
        }
    }

    private void OnResponse(SipClientTransaction transaction, SipResponse response)
    {
        if (!IsCurrent(transaction))
        {
            return;
        }

        if (response.IsProvisional)
        {
            OnProvisional(response);
        }
        else if (response.IsSuccess)
        {
            OnSuccess(response);
        }
        else
        {
            OnFailure(response);
        }
    }

    private void OnProvisional(SipResponse response)
    {
        var report = false;
        lock (Gate)
        {
            if (State == SipCallState.Ended)
            {
                return;
            }

            if (response.StatusCode > SipStatusCodes.Trying)
            {
                report = true;
                if (Dialog is null && response.To?.Tag is not null && response.Contacts.Count > 0)
                {
                    Dialog = SipDialog.CreateAsUac(_invite, response);
                    Agent.Track(this, Dialog.Id);
                }

                if (State == SipCallState.Calling)
                {
                    TransitionTo(SipCallState.Early);
                }
            }

            TrySendCancel();
        }

        if (report)
        {
            try
            {
                Provisional?.Invoke(this, response.StatusCode);
            }
            catch (Exception exception)
            {
                Logger.LogError(exception, "Call {CallId}: Provisional handler failed", CallId);
            }
        }
    }

    private void OnSuccess(SipResponse response)
    {
        bool first;
        bool cancelled;
        bool endedBefore;
        byte[]? ack;
        lock (Gate)
        {
            first = _ackBytes is null;
            endedBefore = State == SipCallState.Ended;
            if (first)
            {
                if (Dialog is null)
                {
                    Dialog = SipDialog.CreateAsUac(_invite, response);
                    if (!endedBefore)
                    {
                        Agent.Track(this, Dialog.Id);
                    }
                }
                else
                {
                    Dialog.ReceiveResponse(response, isUac: true);
                }

                // §13.2.2.4: the ACK for a 2xx is a new transaction (new branch) sent to the remote target.
                var sequence = _invite.CSeq!.Value.Number;
                var ackRequest = Dialog.CreateAck(sequence, CreateVia());
                Agent.AddCommonRequestHeaders(ackRequest);
                _ackBytes = SipMessageWriter.Write(ackRequest);
                _ackedSequence = sequence;
                RemoteSdp = TryReadSdp(response);
                if (State != SipCallState.Ended)
                {
                    TransitionTo(SipCallState.Connected);
                }
            }

            ack = _ackBytes;
            cancelled = _cancelRequested;
        }

        Agent.SendBytes(ack!, NextHop(), Protocol);
        if (!first)
        {
            return;
        }

        if (cancelled || endedBefore)
        {
            // The 2xx crossed our CANCEL (§9.1) or arrived after we gave up: acknowledge it, then end the dialog with BYE.
            _result.TrySetResult(new OutgoingCallResult(OutgoingCallOutcome.Cancelled, SipStatusCodes.RequestTerminated));
            Agent.Run(SendByeAsync(SipCallEndReason.Cancelled, SipStatusCodes.RequestTerminated), "BYE after crossed CANCEL");
            return;
        }

        Logger.LogDebug("Call {CallId} answered by {Peer}", CallId, Request.Target);
        _result.TrySetResult(new OutgoingCallResult(OutgoingCallOutcome.Answered, response.StatusCode));
    }

    private void OnFailure(SipResponse response)
    {
        if (TryAnswerChallenge(response))
        {
            return;
        }

        bool cancelled;
        lock (Gate)
        {
            cancelled = _cancelRequested;
        }

        var status = response.StatusCode;
        if (cancelled && status == SipStatusCodes.RequestTerminated)
        {
            Finish(OutgoingCallOutcome.Cancelled, SipCallEndReason.Cancelled, status);
        }
        else
        {
            Finish(OutgoingCallOutcome.Rejected, SipCallEndReason.Rejected, status);
        }
    }

    /// <summary>§22.2: answer one 401/407 with the request's credentials, as a new INVITE with CSeq + 1 and a new branch.</summary>
    private bool TryAnswerChallenge(SipResponse response)
    {
        if (response.StatusCode is not (SipStatusCodes.Unauthorized or SipStatusCodes.ProxyAuthenticationRequired)
            || Request.Credentials is not { } credentials)
        {
            return false;
        }

        SipRequest retry;
        lock (Gate)
        {
            if (_challengeAnswered || _cancelRequested || State == SipCallState.Ended)
            {
                return false;
            }

            _challengeAnswered = true;
            retry = _invite.Clone();
            retry.Headers.Remove(SipHeaderNames.Via);
            retry.Headers.AddFirst(SipHeaderNames.Via, CreateVia().ToString());
            retry.CSeq = new SipCSeq(_invite.CSeq!.Value.Number + 1, SipMethods.Invite);
            try
            {
                DigestClient.Authorize(retry, response, credentials.User, credentials.Password, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(CNonceBytes)));
            }
            catch (Exception exception) when (exception is SipParseException or NotSupportedException)
            {
                Logger.LogWarning("Call {CallId}: cannot answer the challenge: {Reason}", CallId, exception.Message);
                return false;
            }

            _invite = retry;
            _transaction = null;
        }

        var transaction = Agent.StartClientTransaction(retry, Request.Destination, Request.Transport, _user);
        lock (Gate)
        {
            _transaction ??= (InviteClientTransaction)transaction;
        }

        return true;
    }

    private void OnTimeout()
    {
        bool cancelled;
        lock (Gate)
        {
            cancelled = _cancelRequested;
        }

        if (cancelled)
        {
            Finish(OutgoingCallOutcome.Cancelled, SipCallEndReason.Cancelled, SipStatusCodes.RequestTerminated);
        }
        else
        {
            Finish(OutgoingCallOutcome.Timeout, SipCallEndReason.Timeout, SipStatusCodes.RequestTimeout);
        }
    }

    private void Finish(OutgoingCallOutcome outcome, SipCallEndReason reason, int status)
    {
        _result.TrySetResult(new OutgoingCallResult(outcome, status));
        End(reason, status);
    }

    /// <summary>§9.1: CANCEL only after a provisional response; call under <see cref="SipCall.Gate"/>.</summary>
    private void TrySendCancel()
    {
        if (!_cancelRequested || _cancelSent || _transaction is not { MayCancel: true } transaction)
        {
            return;
        }

        _cancelSent = true;
        var cancel = InviteClientTransaction.CreateCancel(transaction.Request);
        Agent.AddCommonRequestHeaders(cancel);
        Agent.Run(Agent.SendRequestAsync(cancel, transaction.Remote, transaction.Transport.Protocol), "CANCEL");

        // §9.1: without a final response 64*T1 after the CANCEL, the INVITE transaction is given up.
        _cancelGuard = Agent.Time.CreateTimer(_ => OnCancelGuard(transaction), null, Agent.TransactionOptions.TransactionTimeout, Timeout.InfiniteTimeSpan);
    }

    private void OnCancelGuard(InviteClientTransaction transaction)
    {
        if (transaction.Abandon())
        {
            Finish(OutgoingCallOutcome.Cancelled, SipCallEndReason.Cancelled, SipStatusCodes.RequestTerminated);
        }
    }

    /// <summary>Receives the INVITE transaction's reports without making them part of the call's public surface.</summary>
    private sealed class ClientUser(OutgoingCall call) : ISipClientTransactionUser
    {
        public void OnResponse(SipClientTransaction transaction, SipResponse response) => call.OnResponse(transaction, response);

        public void OnTimeout(SipClientTransaction transaction)
        {
            if (call.IsCurrent(transaction))
            {
                call.OnTimeout();
            }
        }

        public void OnTransportError(SipClientTransaction transaction)
        {
            if (call.IsCurrent(transaction))
            {
                call.Finish(OutgoingCallOutcome.TransportError, SipCallEndReason.TransportError, SipStatusCodes.ServiceUnavailable);
            }
        }
    }
}
