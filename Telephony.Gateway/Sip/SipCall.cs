using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>
/// One call leg, i.e. one dialog (RFC 3261 §12), from the INVITE to its end: hold/resume by re-INVITE (§14), BYE
/// (§15), and transfer by REFER (RFC 3515) in both directions. The media side is the caller's business; a call only
/// carries SDP descriptions.
/// </summary>
public abstract class SipCall
{
    private const string ReferEvent = "refer";
    private const string SipFragContentType = "message/sipfrag;version=2.0";
    private const int MaxRetryAfterSeconds = 10;

    private readonly TaskCompletionSource<SipCallEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PendingSuccess? _pendingSuccess;
    private bool _localInviteInProgress;
    private bool _byeAfterAck;
    private Task _notifyChain = Task.CompletedTask;

    private protected SipCall(SipUserAgent agent, string callId, IPEndPoint peer, SipTransportProtocol protocol, string localUser, SipCallState initial)
    {
        Agent = agent;
        CallId = callId;
        PeerEndPoint = peer;
        Protocol = protocol;
        LocalUser = localUser;
        State = initial;
    }

    public string CallId { get; }

    /// <summary>The dialog once a provisional response with a To tag or a 2xx has created it.</summary>
    public SipDialog? Dialog { get; private protected set; }

    /// <summary>The peer's latest session description (its offer or its answer).</summary>
    public SdpSessionDescription? RemoteSdp { get; private protected set; }

    /// <summary>Our latest session description (our offer or our answer).</summary>
    public SdpSessionDescription? LocalSdp { get; private protected set; }

    public SipCallState State { get; private set; }

    /// <summary>The transport the call's signalling uses.</summary>
    public SipTransportProtocol Protocol { get; }

    /// <summary>Where in-dialog requests go when there is no route set: the peer's flow (source of its INVITE, or where we sent ours).</summary>
    public IPEndPoint PeerEndPoint { get; }

    public Task<SipCallEnd> Ended => _ended.Task;

    /// <summary>The peer changed the session by re-INVITE (hold, resume, new address); raised after our answer went out.</summary>
    public event Action<SipCall, SdpSessionDescription>? RemoteSdpChanged;

    /// <summary>Reports the status lines of the NOTIFYs the peer sends about a REFER we sent (RFC 3515 §2.4.5).</summary>
    public event Action<SipCall, int>? TransferProgress;

    /// <summary>
    /// Answers a re-INVITE's offer. Default: our last description with a bumped o= version and the direction that
    /// mirrors the offer (sendonly → recvonly, inactive → inactive), which is what hold and resume need (RFC 3264 §8.4).
    /// </summary>
    public Func<SipCall, SdpSessionDescription, SdpSessionDescription>? OnReinvite { get; set; }

    /// <summary>Decides a REFER from the peer: true sends 202 Accepted and a "100 Trying" NOTIFY, false 603 Decline. Unset: 603.</summary>
    public Func<SipCall, ReferRequest, Task<bool>>? OnRefer { get; set; }

    internal SipUserAgent Agent { get; }

    internal string LocalUser { get; }

    private protected object Gate { get; } = new();

    private protected ILogger Logger => Agent.CallLogger;

    public static bool IsLegalTransition(SipCallState from, SipCallState to) => (from, to) switch
    {
        (SipCallState.Offered, SipCallState.Early or SipCallState.Connected or SipCallState.Ended) => true,
        (SipCallState.Calling, SipCallState.Early or SipCallState.Connected or SipCallState.Ended) => true,
        (SipCallState.Early, SipCallState.Connected or SipCallState.Ended) => true,
        (SipCallState.Connected, SipCallState.Ended) => true,
        _ => false,
    };

    /// <summary>Ends the call from our side: BYE when connected, otherwise CANCEL (outgoing) or a 603 (incoming).</summary>
    public abstract Task HangupAsync();

    /// <summary>
    /// Sends a re-INVITE with <paramref name="offer"/> (hold: a=sendonly or a=inactive; resume: a=sendrecv) and
    /// returns the peer's answer, or null when it refused (491 glare, 488) or another offer is in progress (§14.1).
    /// </summary>
    public async Task<SdpSessionDescription?> ReinviteAsync(SdpSessionDescription offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        SipRequest invite;
        lock (Gate)
        {
            // §14.1: no new offer while another INVITE transaction of this dialog is in progress either way.
            if (State != SipCallState.Connected || Dialog is null || _localInviteInProgress || _pendingSuccess is not null)
            {
                return null;
            }

            _localInviteInProgress = true;
            invite = CreateInDialogRequest(SipMethods.Invite);
            SetSdp(invite, offer);
        }

        SipResponse response;
        try
        {
            response = await Agent.SendReinviteAsync(this, invite, NextHop()).ConfigureAwait(false);
        }
        finally
        {
            lock (Gate)
            {
                _localInviteInProgress = false;
            }
        }

        if (response.IsSuccess)
        {
            var answer = TryReadSdp(response);
            lock (Gate)
            {
                LocalSdp = offer;
                if (answer is not null)
                {
                    RemoteSdp = answer;
                }
            }

            return answer;
        }

        await EndAfterFailedRequestAsync(response.StatusCode).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Asks the peer to call <paramref name="referTo"/> (blind transfer) or, with <paramref name="replaces"/>, to
    /// replace that dialog (attended transfer, RFC 3891). True once the peer answered 2xx (RFC 3515 §2.4.2).
    /// </summary>
    public async Task<bool> ReferAsync(SipUri referTo, SipReplaces? replaces = null)
    {
        ArgumentNullException.ThrowIfNull(referTo);
        SipRequest refer;
        lock (Gate)
        {
            if (State != SipCallState.Connected || Dialog is null)
            {
                return false;
            }

            refer = Dialog.CreateRefer(CreateVia(), SipReferTo.Create(referTo, replaces), Agent.CreateContact(LocalUser, Protocol), Dialog.LocalAddress);
            Agent.AddCommonRequestHeaders(refer);
        }

        var response = await Agent.SendRequestAsync(refer, NextHop(), Protocol).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            await EndAfterFailedRequestAsync(response.StatusCode).ConfigureAwait(false);
        }

        return response.IsSuccess;
    }

    /// <summary>The user agent is shutting down: the call ends without signalling.</summary>
    internal void Abort() => End(SipCallEndReason.TransportError, null);

    /// <summary>A request the peer sent in this dialog (§12.2.2).</summary>
    internal void ReceiveRequest(SipServerTransaction transaction)
    {
        var request = transaction.Request;
        SipDialog? dialog;
        lock (Gate)
        {
            dialog = Dialog;
        }

        if (dialog is null)
        {
            Agent.Respond(transaction, SipStatusCodes.CallOrTransactionDoesNotExist);
            return;
        }

        switch (dialog.ReceiveRequest(request))
        {
            case SipDialogRequestVerdict.NoDialog:
                Agent.Respond(transaction, SipStatusCodes.CallOrTransactionDoesNotExist);
                return;
            case SipDialogRequestVerdict.OutOfOrder:
                Agent.Respond(transaction, SipStatusCodes.ServerInternalError, "CSeq out of order");
                return;
        }

        switch (request.Method)
        {
            case SipMethods.Bye:
                Agent.Respond(transaction, SipStatusCodes.Ok);
                OnRemoteBye();
                break;
            case SipMethods.Invite:
                ReceiveReinvite((InviteServerTransaction)transaction);
                break;
            case SipMethods.Refer:
                Agent.Run(ReceiveReferAsync(transaction), "REFER");
                break;
            case SipMethods.Notify:
                ReceiveNotify(transaction);
                break;
            case SipMethods.Options:
                Agent.Respond(transaction, Agent.CreateOptionsResponse(transaction));
                break;
            case SipMethods.Info:
                // DTMF travels as RFC 4733 events in RTP; INFO bodies are acknowledged and ignored.
                Agent.Respond(transaction, SipStatusCodes.Ok);
                break;
            default:
                Agent.RespondUnsupportedMethod(transaction);
                break;
        }
    }

    /// <summary>An ACK for a 2xx we sent (its own transaction, §13.3.1.4).</summary>
    internal void ReceiveAck(SipRequest ack)
    {
        var sendBye = false;
        SdpSessionDescription? answer = null;
        lock (Gate)
        {
            if (_pendingSuccess is not { } pending || ack.CSeq?.Number != pending.Sequence)
            {
                return;
            }

            pending.Retransmitter.AckReceived();
            pending.Retransmitter.Dispose();
            _pendingSuccess = null;
            if (pending.AwaitsAnswer && !ack.Body.IsEmpty)
            {
                // Our 2xx carried the offer (the INVITE had none): the ACK carries the answer (§13.2.1).
                answer = TryReadSdp(ack);
                if (answer is not null)
                {
                    RemoteSdp = answer;
                }
            }

            sendBye = _byeAfterAck && State != SipCallState.Ended;
        }

        if (answer is not null)
        {
            RaiseRemoteSdpChanged(answer);
        }

        if (sendBye)
        {
            Agent.Run(SendByeAsync(SipCallEndReason.LocalHangup, null), "BYE after ACK");
        }
    }

    /// <summary>Moves the state machine; an illegal move is a bug and throws.</summary>
    private protected void TransitionTo(SipCallState next)
    {
        if (!IsLegalTransition(State, next))
        {
            throw new InvalidOperationException($"Call {CallId}: illegal transition {State} -> {next}.");
        }

        State = next;
    }

    /// <summary>Ends the call once: the dialog goes, pending retransmissions stop, <see cref="Ended"/> completes.</summary>
    private protected bool End(SipCallEndReason reason, int? status)
    {
        lock (Gate)
        {
            if (State == SipCallState.Ended)
            {
                return false;
            }

            State = SipCallState.Ended;
            Dialog?.Terminate();
            _pendingSuccess?.Retransmitter.Dispose();
            _pendingSuccess = null;
            OnEnded();
        }

        Agent.Forget(this);
        Logger.LogDebug("Call {CallId} ended: {Reason} {Status}", CallId, reason, status);
        _ended.TrySetResult(new SipCallEnd(reason, status));
        return true;
    }

    /// <summary>Lets a subclass release what it holds when the call ends (called under <see cref="Gate"/>).</summary>
    private protected virtual void OnEnded()
    {
    }

    /// <summary>Sends a 2xx to an INVITE and keeps resending it until the ACK (§13.3.1.4); call under <see cref="Gate"/>.</summary>
    private protected void SendSuccess(InviteServerTransaction transaction, SipResponse response, bool awaitsAnswer, bool initial)
    {
        var bytes = SipMessageWriter.Write(response);
        var transport = transaction.Transport;
        var remote = transaction.Remote;
        Agent.Respond(transaction, response);
        var retransmitter = new SuccessResponseRetransmitter(
            () => transport.Send(bytes, remote),
            ByeAfterAckTimeout,
            Agent.TransactionOptions,
            Agent.Time);
        _pendingSuccess = new PendingSuccess(response.CSeq!.Value.Number, retransmitter, awaitsAnswer, initial);
        retransmitter.Start();
    }

    /// <summary>No ACK for our 2xx within 64*T1: §13.3.1.4 says end the dialog with BYE.</summary>
    private void ByeAfterAckTimeout()
    {
        bool hangupPending;
        lock (Gate)
        {
            _pendingSuccess?.Retransmitter.Dispose();
            _pendingSuccess = null;
            hangupPending = _byeAfterAck;
        }

        Logger.LogWarning("Call {CallId}: no ACK for our 2xx, sending BYE", CallId);
        var reason = hangupPending ? SipCallEndReason.LocalHangup : SipCallEndReason.Timeout;
        Agent.Run(SendByeAsync(reason, hangupPending ? null : SipStatusCodes.RequestTimeout), "BYE after ACK timeout");
    }

    /// <summary>BYE on a connected call, deferred while our 2xx to the initial INVITE waits for its ACK (§15.1.1).</summary>
    private protected async Task ByeAsync()
    {
        lock (Gate)
        {
            if (State == SipCallState.Ended)
            {
                return;
            }

            if (_pendingSuccess is { IsInitial: true })
            {
                _byeAfterAck = true;
                return;
            }
        }

        await SendByeAsync(SipCallEndReason.LocalHangup, null).ConfigureAwait(false);
    }

    private protected async Task SendByeAsync(SipCallEndReason reason, int? status)
    {
        SipRequest? bye = null;
        lock (Gate)
        {
            if (Dialog is { State: not SipDialogState.Terminated })
            {
                bye = CreateInDialogRequest(SipMethods.Bye);
            }
        }

        if (bye is null)
        {
            End(reason, status);
            return;
        }

        var hop = NextHop();
        End(reason, status);

        // §15.1.1: the session is over once the BYE is sent; its response only ends the transaction.
        await Agent.SendRequestAsync(bye, hop, Protocol).ConfigureAwait(false);
    }

    /// <summary>Builds an in-dialog request with our Via, Contact and common headers; call under <see cref="Gate"/>.</summary>
    private protected SipRequest CreateInDialogRequest(string method)
    {
        var contact = SipMethods.IsTargetRefresh(method) ? Agent.CreateContact(LocalUser, Protocol) : null;
        var request = Dialog!.CreateRequest(method, CreateVia(), contact);
        Agent.AddCommonRequestHeaders(request);
        return request;
    }

    private protected SipVia CreateVia() => Agent.CreateVia(Protocol);

    /// <summary>§12.2.1.1 / RFC 3261 §8.1.2: the first loose route when there is a route set, else the peer's flow.</summary>
    private protected IPEndPoint NextHop()
    {
        var routes = Dialog?.RouteSet ?? [];
        if (routes.Count > 0 && IPAddress.TryParse(routes[0].Uri.Host.Trim('[', ']'), out var address))
        {
            return new IPEndPoint(address, routes[0].Uri.EffectivePort);
        }

        return PeerEndPoint;
    }

    private protected static void SetSdp(SipMessage message, SdpSessionDescription sdp) =>
        message.SetBody(Encoding.UTF8.GetBytes(sdp.ToString()), SdpSessionDescription.MimeType);

    /// <summary>The SDP body of a message, or null when there is none or it cannot be read (logged).</summary>
    private protected SdpSessionDescription? TryReadSdp(SipMessage message)
    {
        if (message.Body.IsEmpty)
        {
            return null;
        }

        try
        {
            return SdpSessionDescription.Parse(message.Body.Span);
        }
        catch (SipParseException error)
        {
            Logger.LogWarning("Call {CallId}: unreadable SDP ignored: {Reason}", CallId, error.ReasonPhrase);
            return null;
        }
    }

    private protected void RaiseRemoteSdpChanged(SdpSessionDescription sdp)
    {
        try
        {
            RemoteSdpChanged?.Invoke(this, sdp);
        }
        catch (Exception exception)
        {
            Logger.LogError(exception, "Call {CallId}: RemoteSdpChanged handler failed", CallId);
        }
    }

    private void OnRemoteBye()
    {
        bool answered;
        lock (Gate)
        {
            answered = State == SipCallState.Connected;
        }

        // A BYE on an early dialog (the caller may send one, §15) also ends the pending INVITE.
        if (!answered)
        {
            OnEarlyBye();
        }

        End(SipCallEndReason.RemoteHangup, null);
    }

    private protected virtual void OnEarlyBye()
    {
    }

    /// <summary>A re-INVITE from the peer (§14.2).</summary>
    private void ReceiveReinvite(InviteServerTransaction transaction)
    {
        var request = transaction.Request;
        SdpSessionDescription? offer = null;
        if (!request.Body.IsEmpty)
        {
            if (!IsSdp(request))
            {
                Agent.RespondUnsupportedMediaType(transaction);
                return;
            }

            offer = SdpSessionDescription.Parse(request.Body.Span);
        }

        SdpSessionDescription ours;
        lock (Gate)
        {
            if (State != SipCallState.Connected || _localInviteInProgress)
            {
                // §14.2: an INVITE of ours is in progress (glare).
                Agent.Respond(transaction, SipStatusCodes.RequestPending);
                return;
            }

            if (_pendingSuccess is not null)
            {
                // §14.2: our previous 2xx still waits for its ACK: 500 with a random Retry-After.
                var busy = Agent.CreateResponse(transaction, SipStatusCodes.ServerInternalError, "Previous INVITE not yet acknowledged");
                busy.Headers.Add(SipHeaderNames.RetryAfter, RandomNumberGenerator.GetInt32(0, MaxRetryAfterSeconds + 1).ToString(CultureInfo.InvariantCulture));
                Agent.Respond(transaction, busy);
                return;
            }

            if (offer is not null)
            {
                SdpSessionDescription? answer;
                try
                {
                    answer = OnReinvite is { } handler ? handler(this, offer) : DefaultAnswer(offer, LocalSdp);
                }
                catch (Exception exception)
                {
                    Logger.LogError(exception, "Call {CallId}: re-INVITE handler failed", CallId);
                    answer = null;
                }

                if (answer is null)
                {
                    Agent.Respond(transaction, SipStatusCodes.NotAcceptableHere);
                    return;
                }

                RemoteSdp = offer;
                ours = answer;
            }
            else
            {
                // A re-INVITE without offer asks for ours in the 2xx; the answer comes in the ACK (§14.2).
                if (LocalSdp is null)
                {
                    Agent.Respond(transaction, SipStatusCodes.NotAcceptableHere);
                    return;
                }

                ours = WithVersion(LocalSdp, LocalSdp.Origin.SessionVersion + 1);
            }

            LocalSdp = ours;
            var ok = Agent.CreateResponse(transaction, SipStatusCodes.Ok);
            Agent.AddDialogResponseHeaders(ok, LocalUser, Protocol);
            SetSdp(ok, ours);
            SendSuccess(transaction, ok, awaitsAnswer: offer is null, initial: false);
        }

        if (offer is not null)
        {
            RaiseRemoteSdpChanged(offer);
        }
    }

    private async Task ReceiveReferAsync(SipServerTransaction transaction)
    {
        var request = transaction.Request;
        var values = request.Headers.GetAll(SipHeaderNames.ReferTo);
        if (values.Count != 1)
        {
            // RFC 3515 §2.4.1: exactly one Refer-To.
            Agent.Respond(transaction, SipStatusCodes.BadRequest, "Exactly one Refer-To required");
            return;
        }

        ReferRequest refer;
        try
        {
            var referTo = SipReferTo.Parse(values[0]);
            refer = new ReferRequest(request, referTo, (status, reason) => NotifyReferAsync(status, reason));
        }
        catch (SipParseException error)
        {
            Agent.Respond(transaction, SipStatusCodes.BadRequest, error.ReasonPhrase);
            return;
        }

        var handler = OnRefer;
        bool accepted;
        try
        {
            accepted = handler is not null && await handler(this, refer).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Logger.LogError(exception, "Call {CallId}: REFER handler failed", CallId);
            refer.MarkRefused();
            Agent.Respond(transaction, SipStatusCodes.ServerInternalError);
            return;
        }

        if (!accepted)
        {
            refer.MarkRefused();
            Agent.Respond(transaction, SipStatusCodes.Decline);
            return;
        }

        Agent.Respond(transaction, SipStatusCodes.Accepted);

        // RFC 3515 §2.4.4: the first NOTIFY follows the 202 at once with the transfer's initial state.
        var first = NotifyReferAsync(SipStatusCodes.Trying, null);
        refer.MarkAccepted();
        await first.ConfigureAwait(false);
    }

    /// <summary>NOTIFYs go out one after another so that their CSeqs arrive in order.</summary>
    private Task NotifyReferAsync(int status, string? reason)
    {
        lock (Gate)
        {
            var previous = _notifyChain;
            var next = SendNotifyAfterAsync(previous, status, reason);
            _notifyChain = next;
            return next;
        }
    }

    private async Task SendNotifyAfterAsync(Task previous, int status, string? reason)
    {
        await previous.ConfigureAwait(false);
        SipRequest notify;
        lock (Gate)
        {
            if (State == SipCallState.Ended || Dialog is null || Dialog.State == SipDialogState.Terminated)
            {
                return;
            }

            notify = CreateInDialogRequest(SipMethods.Notify);
        }

        var final = status >= SipStatusCodes.Ok;
        notify.Headers.Add(SipHeaderNames.Event, ReferEvent);
        notify.Headers.Add(SipUserAgent.SubscriptionStateHeader, final
            ? "terminated;reason=noresource"
            : $"active;expires={Agent.Options.ReferSubscriptionSeconds.ToString(CultureInfo.InvariantCulture)}");
        var line = new SipResponse(status, reason).ToString();
        notify.SetBody(Encoding.UTF8.GetBytes(line + "\r\n"), SipFragContentType);
        await Agent.SendRequestAsync(notify, NextHop(), Protocol).ConfigureAwait(false);
    }

    private void ReceiveNotify(SipServerTransaction transaction)
    {
        var request = transaction.Request;
        Agent.Respond(transaction, SipStatusCodes.Ok);
        var text = Encoding.UTF8.GetString(request.Body.Span);
        var parts = text.Split(' ', 3);
        if (parts.Length >= 2 && parts[0] == SipMessage.Version && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            try
            {
                TransferProgress?.Invoke(this, status);
            }
            catch (Exception exception)
            {
                Logger.LogError(exception, "Call {CallId}: TransferProgress handler failed", CallId);
            }
        }
    }

    /// <summary>§12.2.1.2: a 481 or 408 to an in-dialog request ends the dialog.</summary>
    private async Task EndAfterFailedRequestAsync(int status)
    {
        if (status == SipStatusCodes.CallOrTransactionDoesNotExist)
        {
            End(SipCallEndReason.RemoteHangup, status);
        }
        else if (status == SipStatusCodes.RequestTimeout)
        {
            await SendByeAsync(SipCallEndReason.Timeout, status).ConfigureAwait(false);
        }
    }

    private protected static bool IsSdp(SipMessage message) =>
        message.ContentType is { } type && type.Split(';')[0].Trim().Equals(SdpSessionDescription.MimeType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Our last description, version bumped, with each stream's direction mirroring the offer's (RFC 3264 §6.1).</summary>
    internal static SdpSessionDescription? DefaultAnswer(SdpSessionDescription offer, SdpSessionDescription? local)
    {
        if (local is null)
        {
            return null;
        }

        var answer = WithVersion(local, local.Origin.SessionVersion + 1);
        for (var index = 0; index < answer.Media.Count && index < offer.Media.Count; index++)
        {
            var media = answer.Media[index];
            var mirrored = offer.DirectionOf(offer.Media[index]) switch
            {
                SdpDirection.SendOnly => SdpDirection.ReceiveOnly,
                SdpDirection.ReceiveOnly => SdpDirection.SendOnly,
                SdpDirection.Inactive => SdpDirection.Inactive,
                _ => SdpDirection.SendReceive,
            };
            media.Attributes.RemoveAll(a => a.Value is null && SdpDirections.FromAttributeName(a.Name) is not null);
            media.Attributes.Add(new SdpAttribute(mirrored.ToAttributeName(), null));
        }

        answer.Attributes.RemoveAll(a => a.Value is null && SdpDirections.FromAttributeName(a.Name) is not null);
        return answer;
    }

    /// <summary>A deep copy with another o= version (RFC 3264 §8: every changed description has a higher version).</summary>
    private protected static SdpSessionDescription WithVersion(SdpSessionDescription sdp, ulong version)
    {
        var copy = SdpSessionDescription.Parse(sdp.ToString());
        copy.Origin = copy.Origin with { SessionVersion = version };
        return copy;
    }

    private sealed record PendingSuccess(long Sequence, SuccessResponseRetransmitter Retransmitter, bool AwaitsAnswer, bool IsInitial);
}
