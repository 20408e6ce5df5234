using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>
/// A call that reached us by INVITE outside a dialog (RFC 3261 §13.3). The application rings, answers or rejects
/// it; 100 Trying, the To tag, CANCEL and the 2xx retransmissions until the ACK are handled here.
/// </summary>
public sealed class IncomingCall : SipCall
{
    private readonly InviteServerTransaction _transaction;

    internal IncomingCall(SipUserAgent agent, InviteServerTransaction transaction, SdpSessionDescription? offer, SipReplaces? replaces)
        : base(agent, transaction.Request.CallId!, transaction.Remote, transaction.Transport.Protocol, CalledUserOf(transaction.Request), SipCallState.Offered)
    {
        _transaction = transaction;
        Invite = transaction.Request;
        RequestUri = Invite.RequestUri;
        CalledUser = CalledUserOf(Invite);
        From = Invite.From!;
        To = Invite.To!;
        Source = transaction.Remote;
        Replaces = replaces;
        RemoteSdp = offer;
        DialogId = new SipDialogId(CallId, transaction.ToTag, From.Tag ?? "");
    }

    public SipRequest Invite { get; }

    public SipUri RequestUri { get; }

    /// <summary>The user part of the Request-URI (the number or queue dialled), else of To.</summary>
    public string CalledUser { get; }

    public SipNameAddress From { get; }

    public SipNameAddress To { get; }

    /// <summary>Where the INVITE came from (the address responses go to, RFC 3581).</summary>
    public IPEndPoint Source { get; }

    /// <summary>The peer's offer; null when the INVITE had no body and our answer must be an offer (§13.2.1).</summary>
    public SdpSessionDescription? Offer => RemoteSdp;

    /// <summary>Set when this INVITE should take over another dialog (RFC 3891, attended transfer).</summary>
    public SipReplaces? Replaces { get; }

    public bool IsCancelled { get; private set; }

    /// <summary>The caller cancelled before we answered; 200 and 487 have been sent already (§9.2).</summary>
    public event Action<IncomingCall>? Cancelled;

    internal SipDialogId DialogId { get; }

    internal InviteServerTransaction Transaction => _transaction;

    /// <summary>Sends 180 Ringing with our To tag and Contact, which creates the early dialog (§12.1.1).</summary>
    public void Ring()
    {
        lock (Gate)
        {
            if (State is SipCallState.Ended)
            {
                return;
            }

            if (State is not (SipCallState.Offered or SipCallState.Early))
            {
                throw new InvalidOperationException($"Call {CallId} cannot ring in state {State}.");
            }

            var ringing = Agent.CreateResponse(_transaction, SipStatusCodes.Ringing);
            Agent.AddDialogResponseHeaders(ringing, LocalUser, Protocol);
            Dialog ??= SipDialog.CreateAsUas(Invite, ringing);
            Agent.Respond(_transaction, ringing);
            if (State == SipCallState.Offered)
            {
                TransitionTo(SipCallState.Early);
            }
        }
    }

    /// <summary>
    /// Answers with 200 OK carrying <paramref name="answer"/> (our offer when the INVITE had none). The 200 is resent
    /// at T1 doubling to T2 until the ACK arrives; without an ACK after 64*T1 the call is ended with BYE (§13.3.1.4).
    /// Does nothing when the caller already cancelled.
    /// </summary>
    public Task AnswerAsync(SdpSessionDescription answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        lock (Gate)
        {
            if (State == SipCallState.Ended || !_transaction.IsPending)
            {
                // Cancelled or ended meanwhile (§9.2 race): the caller sees it through Ended.
                return Task.CompletedTask;
            }

            if (State is not (SipCallState.Offered or SipCallState.Early))
            {
                throw new InvalidOperationException($"Call {CallId} cannot be answered in state {State}.");
            }

            var ok = Agent.CreateResponse(_transaction, SipStatusCodes.Ok);
            Agent.AddDialogResponseHeaders(ok, LocalUser, Protocol);
            SetSdp(ok, answer);
            if (Dialog is null)
            {
                Dialog = SipDialog.CreateAsUas(Invite, ok);
            }
            else
            {
                Dialog.ReceiveResponse(ok, isUac: false);
            }

            LocalSdp = answer;
            TransitionTo(SipCallState.Connected);
            try
            {
                SendSuccess(_transaction, ok, awaitsAnswer: RemoteSdp is null, initial: true);
            }
            catch (SipTransactionStateException)
            {
                // The CANCEL won the race inside the transaction: 487 went out, OnCancelled ends the call.
                Logger.LogDebug("Call {CallId}: answer lost the race against CANCEL", CallId);
            }
        }

        Logger.LogDebug("Call {CallId} answered", CallId);
        return Task.CompletedTask;
    }

    /// <summary>Refuses the call with a final status between 300 and 699 (e.g. 486 Busy Here, 480, 603).</summary>
    /// <param name="retryAfterSeconds">Adds Retry-After (RFC 3261 §20.33): when the caller may try again, e.g. with a 503 under overload.</param>
    public void Reject(int status, string reason, int? retryAfterSeconds = null)
    {
        if (status is < 300 or > SipStatusCodes.Maximum)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A rejection needs a status from 300 to 699.");
        }
        if (retryAfterSeconds is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retryAfterSeconds), retryAfterSeconds, "Retry-After is a number of seconds, not negative.");
        }

        if (SendFailure(status, reason, retryAfterSeconds))
        {
            End(SipCallEndReason.Rejected, status);
        }
    }

    public override async Task HangupAsync()
    {
        SipCallState state;
        lock (Gate)
        {
            state = State;
        }

        switch (state)
        {
            case SipCallState.Offered or SipCallState.Early:
                if (SendFailure(SipStatusCodes.Decline, "Declined"))
                {
                    End(SipCallEndReason.LocalHangup, SipStatusCodes.Decline);
                }

                break;
            case SipCallState.Connected:
                await ByeAsync().ConfigureAwait(false);
                break;
        }
    }

    internal void OnCancelled()
    {
        lock (Gate)
        {
            if (State is not (SipCallState.Offered or SipCallState.Early))
            {
                return;
            }

            IsCancelled = true;
        }

        try
        {
            Cancelled?.Invoke(this);
        }
        catch (Exception exception)
        {
            Logger.LogError(exception, "Call {CallId}: Cancelled handler failed", CallId);
        }

        End(SipCallEndReason.Cancelled, SipStatusCodes.RequestTerminated);
    }

    /// <summary>The INVITE transaction could not deliver our answer, or the ACK for our failure never came.</summary>
    internal void OnTransactionFailed(SipServerTransactionFailure failure)
    {
        if (failure == SipServerTransactionFailure.TransportError)
        {
            End(SipCallEndReason.TransportError, null);
        }
    }

    private protected override void OnEarlyBye()
    {
        // The caller ended the early dialog with BYE: the INVITE still needs its final answer (487, §15.1.2).
        SendFailure(SipStatusCodes.RequestTerminated, null);
    }

    /// <summary>Sends a final failure to the INVITE if it is still pending; false when it was not.</summary>
    private bool SendFailure(int status, string? reason, int? retryAfterSeconds = null)
    {
        lock (Gate)
        {
            if (!_transaction.IsPending || State is not (SipCallState.Offered or SipCallState.Early))
            {
                return false;
            }

            try
            {
                var response = Agent.CountedResponse(_transaction, status, reason);
                if (retryAfterSeconds is { } seconds)
                {
                    response.Headers.Add(SipHeaderNames.RetryAfter, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                _transaction.SendResponse(response);
            }
            catch (SipTransactionStateException)
            {
                return false;
            }

            return true;
        }
    }

    private static string CalledUserOf(SipRequest invite) => invite.RequestUri.User ?? invite.To?.Uri.User ?? "";
}
