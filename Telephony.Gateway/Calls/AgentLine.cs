using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// One agent's registered phone, as the agent grain sees it (<see cref="IAgentPhone"/>): an offer
/// rings the phone with an INVITE; the phone's 200 answers the call in the ACD, and only then is
/// the caller bridged; a withdrawn offer CANCELs; the end of the call BYEs. The phone's own hang-up
/// and hold come back to the grains. Heartbeats keep the agent's presence alive across a silo crash.
/// </summary>
public sealed class AgentLine : IAgentPhone, IAsyncDisposable
{
    private readonly CallControl _control;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly object _gate = new();
    private IAgentPhone? _reference;
    private Ringing? _ringing;
    private Connected? _connected;

    private sealed record Ringing(string CallId, OutgoingCall Sip, RtpLeg Leg)
    {
        public bool Withdrawn { get; set; }
    }

    private sealed record Connected(string CallId, SipCall Sip, RtpLeg Leg, ICallerSide? Caller);

    public AgentLine(CallControl control, Registration registration, ILogger logger)
    {
        _control = control;
        _logger = logger;
        Registration = registration;
        AgentId = registration.User;
    }

    public string AgentId { get; }

    public Registration Registration { get; set; }

    /// <summary>The call the phone is connected to, if any (what the heartbeat reports).</summary>
    public string? ActiveCallId => _connected?.CallId;

    private IAgentGrain Grain => _control.Grains.GetAgent(AgentId);

    public async Task LoginAsync()
    {
        _reference = _control.Grains.CreateObjectReference<IAgentPhone>(this);
        var snapshot = await Grain.GetSnapshot();
        if (snapshot.State == AgentState.LoggedOut)
        {
            await Grain.Login(_reference, _control.Options.ReadyOnRegister);
        }
        else
        {
            // Already logged in (a re-registration after a gateway restart): attach this phone.
            await Grain.Heartbeat(_reference, ActiveCallId);
        }
        _ = HeartbeatAsync();
    }

    public async Task LogoutAsync()
    {
        try
        {
            if (_connected is null && _ringing is null)
            {
                await Grain.Logout();
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogInformation(ex, "Agent {AgentId} unregistered while busy; the heartbeat stops and the agent grain repairs itself", AgentId);
        }
        await DisposeAsync();
    }

    // ---- IAgentPhone ---------------------------------------------------------------------------

    public Task Ring(Offer offer)
    {
        _ = RingAsync(offer);
        return Task.CompletedTask;
    }

    public Task OfferWithdrawn(string agentId, string callId)
    {
        lock (_gate)
        {
            if (_ringing is { } ringing && ringing.CallId == callId)
            {
                ringing.Withdrawn = true;
                ringing.Sip.Cancel();
            }
        }
        return Task.CompletedTask;
    }

    public Task CallEnded(string agentId, string callId)
    {
        Connected? connected;
        lock (_gate)
        {
            connected = _connected is { } c && c.CallId == callId ? c : null;
            if (connected is not null) _connected = null;
            if (_ringing is { } ringing && ringing.CallId == callId)
            {
                // An outbound call ended while the agent's own phone still rang for it.
                ringing.Withdrawn = true;
                ringing.Sip.Cancel();
            }
        }
        if (connected is not null)
        {
            _ = FinishAsync(connected, hangUp: true);
        }
        return Task.CompletedTask;
    }

    // ---- ringing and answering -----------------------------------------------------------------

    private async Task RingAsync(Offer offer)
    {
        var caller = _control.CallerOf(offer.CallId);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["X-CallCenter-Call"] = offer.CallId,
            ["X-CallCenter-Queue"] = offer.QueueId,
        };
        var (ringing, answered) = await RingPhoneAsync(offer.CallId, offer.CallerNumber, headers, ringLimit: null);
        if (!answered)
        {
            if (ringing is null || !ringing.Withdrawn)
            {
                // No port, no INVITE, or busy, rejected or no answer from the phone: the call goes back to the head of the queue.
                await DeclineAsync(offer.CallId);
            }
            if (ringing is not null && caller is CallerSession session)
            {
                // A consultation that rang this phone is over unanswered: the consulting phone hears so.
                session.ConsultNotAnswered(this);
            }
            return;
        }
        var (sip, leg) = (ringing!.Sip, ringing.Leg);
        bool won;
        try
        {
            won = await Grain.Answer(offer.CallId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Agent {AgentId} could not answer call {CallId}", AgentId, offer.CallId);
            won = false;
        }
        if (!won || (caller is not null && !await caller.AgentConnectedAsync(this, leg)))
        {
            // The caller hung up while the phone rang, or another agent won a ring-all.
            if (won)
            {
                await Grain.Hangup();
            }
            await sip.HangupAsync();
            await leg.DisposeAsync();
            return;
        }
        if (caller is null)
        {
            // A caller with no SIP leg here (the demo center's simulated traffic): the agent hears a tone.
            leg.Play(_control.SimulatedCallerAudio());
        }
        var connected = new Connected(offer.CallId, sip, leg, caller);
        lock (_gate)
        {
            _connected = connected;
        }
        sip.OnReinvite = (_, reoffer) => OnReinvite(connected, reoffer);
        sip.OnRefer = (_, refer) => OnReferAsync(connected, refer);
        _ = WatchPhoneAsync(connected);
    }

    /// <summary>
    /// Rings the phone with an INVITE for <paramref name="callId"/> (shown as from <paramref name="fromUser"/>); answered is
    /// true once it answered with media we can use. Otherwise the leg is released and the dialog ended; the ringing is
    /// null when the phone could not even be rung (no media port, no INVITE). <paramref name="ringLimit"/>: cancel after it.
    /// </summary>
    private async Task<(Ringing? Ringing, bool Answered)> RingPhoneAsync(string callId, string fromUser, Dictionary<string, string> headers, TimeSpan? ringLimit)
    {
        RtpLeg leg;
        try
        {
            leg = _control.Media.CreateLeg($"agent-{AgentId}-{callId}");
        }
        catch (MediaException ex)
        {
            _logger.LogWarning(ex, "No media port to ring agent {AgentId}", AgentId);
            return (null, false);
        }
        var media = new MediaNegotiation(_control.Options.ListenAddress);
        var sdp = media.Offer(leg);
        var registration = Registration;
        OutgoingCall sip;
        try
        {
            sip = _control.Sip.Invite(new OutgoingCallRequest(registration.Contact, registration.Source, registration.Transport,
                FromUser: fromUser, FromDisplayName: fromUser, sdp, headers));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
        {
            _logger.LogWarning(ex, "Could not ring agent {AgentId}'s phone", AgentId);
            await leg.DisposeAsync();
            return (null, false);
        }
        var ringing = new Ringing(callId, sip, leg);
        lock (_gate)
        {
            _ringing = ringing;
        }
        if (ringLimit is { } limit && await Task.WhenAny(sip.Result, Task.Delay(limit, _control.Time)) != sip.Result)
        {
            sip.Cancel();
        }
        var result = await sip.Result;
        lock (_gate)
        {
            if (_ringing == ringing) _ringing = null;
        }
        if (!result.IsAnswered || sip.RemoteSdp is not { } answer || !media.Accept(sdp, answer, leg))
        {
            await leg.DisposeAsync();
            if (result.IsAnswered)
            {
                await sip.HangupAsync();
            }
            return (ringing, false);
        }
        return (ringing, true);
    }

    // ---- click-to-dial (CTI-4) -----------------------------------------------------------------

    public Task<string?> PlaceCall(OutboundDial dial)
    {
        ArgumentNullException.ThrowIfNull(dial);
        if (dial.AgentId != AgentId)
        {
            return Task.FromResult<string?>($"this is agent '{AgentId}'s phone, not '{dial.AgentId}'s");
        }
        if (string.IsNullOrWhiteSpace(_control.Options.Trunk))
        {
            return Task.FromResult<string?>("no outbound trunk (set CallCenter:Gateway:Trunk)");
        }
        lock (_gate)
        {
            if (_ringing is not null || _connected is not null)
            {
                return Task.FromResult<string?>("the agent's phone is busy");
            }
        }
        var customer = OutboundTrunk.AddressFor(_control.Options.Trunk, dial.Number);
        _control.StartOutbound(this, dial, customer);
        return Task.FromResult<string?>(null);
    }

    /// <summary>
    /// Rings this phone for the agent's own outbound call; once it answers the session dials the customer. False when the
    /// phone did not answer while the call was still on (the session fails the call); true when it answered, or when the
    /// call ended meanwhile. The phone's later BYE reaches the session as a connected agent's hang-up does.
    /// </summary>
    public async Task<bool> RingOutboundAsync(OutboundSession session, OutboundDial dial, TimeSpan ringLimit)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["X-CallCenter-Call"] = dial.CallId,
            ["X-CallCenter-Direction"] = "outbound",
        };
        // The phone shows the number it is about to call.
        var (ringing, answered) = await RingPhoneAsync(dial.CallId, dial.Number.TrimStart('+'), headers, ringLimit);
        if (!answered)
        {
            return ringing is not null && ringing.Withdrawn;
        }
        var (sip, leg) = (ringing!.Sip, ringing.Leg);
        var connected = new Connected(dial.CallId, sip, leg, session);
        lock (_gate)
        {
            _connected = connected;
        }
        if (ringing.Withdrawn || !await session.AgentConnectedAsync(this, leg))
        {
            // The call ended while the phone rang (the agent hung up on the desktop, the guard gave up).
            lock (_gate)
            {
                if (_connected == connected) _connected = null;
            }
            await FinishAsync(connected, hangUp: true);
            return true;
        }
        sip.OnReinvite = (_, reoffer) => OnReinvite(connected, reoffer);
        _ = WatchPhoneAsync(connected);
        return true;
    }

    /// <summary>Prefix of a Refer-To user naming a queue (sip:queue/billing@gateway); any other user is an agent id.</summary>
    public const string QueueTargetPrefix = "queue/";

    /// <summary>Prefix of a Refer-To user naming a node of the caller's IVR menu (sip:ivr/main@gateway); agent ids never hold "/".</summary>
    public const string IvrTargetPrefix = "ivr/";

    /// <summary>What a Refer-To URI names: a queue (user "queue/ID"), an IVR node ("ivr/NODE") or an agent (any other user); null when it names nothing.</summary>
    public static TransferTarget? TargetOf(Telephony.Sip.Messages.SipUri referTo)
    {
        var user = Uri.UnescapeDataString(referTo.User ?? "").Trim();
        if (user.StartsWith(QueueTargetPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var queue = user[QueueTargetPrefix.Length..];
            return queue.Length == 0 ? null : TransferTarget.ToQueue(queue);
        }
        if (user.StartsWith(IvrTargetPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var node = user[IvrTargetPrefix.Length..];
            return node.Length == 0 ? null : TransferTarget.ToIvr(node);
        }
        return user.Length == 0 ? null : TransferTarget.ToAgent(user);
    }

    /// <summary>
    /// Blind transfer from the agent's phone (RFC 3515): the call grain decides before we answer, so a
    /// refused transfer is a 603 and the agent keeps the caller; an accepted one is a 202, a NOTIFY
    /// with 200, and then the gateway ends the agent's leg (the caller stays with the gateway, a B2BUA).
    /// </summary>
    private async Task<bool> OnReferAsync(Connected connected, ReferRequest refer)
    {
        if (refer.Replaces is { } replaces)
        {
            return await OnAttendedReferAsync(connected, refer, replaces);
        }
        if (TargetOf(refer.Target) is not { } target || connected.Caller is not CallerSession caller)
        {
            // Transfers of callback calls are not supported here.
            _logger.LogInformation("Agent {AgentId}: REFER to {Target} on call {CallId} declined", AgentId, refer.Target, connected.CallId);
            return false;
        }
        lock (_gate)
        {
            if (_connected != connected)
            {
                return false;
            }
        }
        if (target.Kind == TransferTargetKind.Ivr && !caller.HasIvrNode(target.Id))
        {
            _logger.LogInformation("Agent {AgentId}: REFER to IVR node {Node} on call {CallId} declined: the caller's menu has no such node", AgentId, target.Id, connected.CallId);
            return false;
        }
        if (!await caller.BeginTransferAsync(this))
        {
            return false;
        }
        TransferResult result;
        try
        {
            result = await Grain.Transfer(target);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            result = TransferResult.Refused(ex.Message);
        }
        if (!result.Accepted)
        {
            _logger.LogInformation("Agent {AgentId}: transfer of call {CallId} to {Target} refused: {Reason}", AgentId, connected.CallId, target, result.Reason);
            await caller.TransferRefusedAsync(this, connected.Leg);
            return false;
        }
        lock (_gate)
        {
            // The leg is no longer the agent's call: its end must not be reported as the agent's hang-up.
            if (_connected == connected) _connected = null;
        }
        _logger.LogInformation("Agent {AgentId} transferred call {CallId} to {Target}", AgentId, connected.CallId, target);
        _ = LeaveAfterTransferAsync(connected, refer);
        return true;
    }

    /// <summary>How long a consulted agent's phone may ring before the gateway gives up (its agent grain's ring timeout normally ends it first).</summary>
    private static readonly TimeSpan ConsultRingLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The agent's phone calls another agent's id during a call: a consultation (attended transfer, RFC 5589 §7). The
    /// caller waits on music, the consulted agent's phone rings through its agent grain, and when it answers this
    /// INVITE is answered and the two phones talk. The REFER with Replaces that follows on the caller's leg hands the
    /// caller over; hanging up either consultation leg first gives the caller back to this agent.
    /// </summary>
    public async Task ConsultAsync(IncomingCall sip)
    {
        Connected? connected;
        lock (_gate)
        {
            connected = _connected;
        }
        if (connected?.Caller is not CallerSession caller)
        {
            sip.Reject(SipStatusCodes.Forbidden, "Forbidden (an agent's phone calls another agent only to consult about a connected call)");
            return;
        }
        if (TargetOf(sip.RequestUri) is not { Kind: TransferTargetKind.Agent } target || target.Id == AgentId)
        {
            sip.Reject(SipStatusCodes.NotFound, "Not Found (consult another agent by its id)");
            return;
        }
        if (sip.Offer is not { } offer)
        {
            sip.Reject(SipStatusCodes.NotAcceptableHere, "Not Acceptable Here (an SDP offer is required)");
            return;
        }
        RtpLeg leg;
        try
        {
            leg = _control.Media.CreateLeg($"consult-{AgentId}-{connected.CallId}");
        }
        catch (MediaException ex)
        {
            _logger.LogWarning(ex, "No media port for agent {AgentId}'s consultation", AgentId);
            sip.Reject(SipStatusCodes.ServiceUnavailable, "Service Unavailable (no media port)");
            return;
        }
        var answer = new MediaNegotiation(_control.Options.ListenAddress).Answer(offer, leg);
        if (answer is null)
        {
            sip.Reject(SipStatusCodes.NotAcceptableHere, "Not Acceptable Here (PCMU or PCMA required)");
            await leg.DisposeAsync();
            return;
        }
        if (caller.BeginConsult(this, sip, leg, target.Id) is not { } consult)
        {
            sip.Reject(SipStatusCodes.BusyHere, "Busy Here (the agent is not talking with a caller alone, or consults already)");
            await leg.DisposeAsync();
            return;
        }
        sip.Ring();
        TransferResult rung;
        try
        {
            rung = await Grain.Consult(target.Id);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            rung = TransferResult.Refused(ex.Message);
        }
        if (!rung.Accepted)
        {
            _logger.LogInformation("Agent {AgentId}: consultation of {TargetId} on call {CallId} refused: {Reason}", AgentId, target.Id, connected.CallId, rung.Reason);
            await caller.EndConsultAsync(consult, SipStatusCodes.TemporarilyUnavailable, "Temporarily Unavailable (the agent cannot take calls now)");
            return;
        }
        await Task.WhenAny(consult.Answered, sip.Ended, Task.Delay(ConsultRingLimit, _control.Time));
        if (!consult.Answered.IsCompletedSuccessfully || !consult.Answered.Result || sip.State == SipCallState.Ended)
        {
            // Not answered, or the consulting phone gave up (CANCEL): the consulted agent stops ringing.
            await EndConsultInGrainAsync(connected.CallId);
            await caller.EndConsultAsync(consult, SipStatusCodes.TemporarilyUnavailable, "Temporarily Unavailable (the agent did not answer)");
            return;
        }
        await sip.AnswerAsync(answer);
        _logger.LogInformation("Agent {AgentId} talks with agent {TargetId} about call {CallId}", AgentId, target.Id, connected.CallId);
        _ = WatchConsultAsync(caller, consult, connected.CallId);
    }

    /// <summary>The consulting phone hung up the consultation itself: the consulted agent is released and the caller is this agent's again.</summary>
    private async Task WatchConsultAsync(CallerSession caller, ConsultCall consult, string callId)
    {
        await consult.Sip.Ended;
        if (consult.EndedByGateway)
        {
            return;
        }
        await EndConsultInGrainAsync(callId);
        await caller.EndConsultAsync(consult, SipStatusCodes.TemporarilyUnavailable, "Temporarily Unavailable");
    }

    private async Task EndConsultInGrainAsync(string callId)
    {
        try
        {
            await _control.Grains.GetCall(callId).EndConsult(AgentId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Agent {AgentId}: the end of the consultation on call {CallId} was not reported", AgentId, callId);
        }
    }

    /// <summary>
    /// Attended transfer from the agent's phone (RFC 3515 with RFC 3891 Replaces): the Replaces must name the
    /// consultation this phone placed through the gateway and the consulted agent must have answered. The REFER is
    /// accepted (202) and its outcome reported as a transferee would (RFC 3515 §2.4.5): a Replaces naming no such
    /// dialog ends as "481 Call/Transaction Does Not Exist" (RFC 3891 §3), with nothing changed; a refused hand-over
    /// as 603. On success the caller talks with the consulted agent, the NOTIFY says 200, and the gateway ends the
    /// consultation's leg and then this agent's leg.
    /// </summary>
    private async Task<bool> OnAttendedReferAsync(Connected connected, ReferRequest refer, Telephony.Sip.Dialogs.SipReplaces replaces)
    {
        var replaced = _control.Sip.FindCall(replaces.DialogAtRecipient);
        bool mine;
        lock (_gate)
        {
            mine = _connected == connected;
        }
        if (!mine || connected.Caller is not CallerSession caller || replaced is null || !caller.IsConsultationOf(this, replaced))
        {
            _logger.LogInformation("Agent {AgentId}: REFER on call {CallId} replaces {Dialog}, which is no consultation of this phone", AgentId, connected.CallId, replaces.DialogAtRecipient);
            _ = ReportAfterAcceptAsync(refer, SipStatusCodes.CallOrTransactionDoesNotExist, "Call/Transaction Does Not Exist");
            return true;
        }
        var consult = await caller.CompleteAttendedTransferAsync(this, replaced);
        if (consult is null)
        {
            _ = ReportAfterAcceptAsync(refer, SipStatusCodes.Decline, "Decline");
            return true;
        }
        lock (_gate)
        {
            // The leg is no longer the agent's call: its end must not be reported as the agent's hang-up.
            if (_connected == connected) _connected = null;
        }
        _ = LeaveAfterAttendedTransferAsync(connected, refer, consult);
        return true;
    }

    private async Task ReportAfterAcceptAsync(ReferRequest refer, int status, string reason)
    {
        try
        {
            await refer.Accepted;
            await refer.ReportAsync(status, reason);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            _logger.LogDebug(ex, "Agent {AgentId}: NOTIFY {Status} of a REFER not sent", AgentId, status);
        }
    }

    /// <summary>Final NOTIFY, then BYE of the replaced consultation (RFC 3891 §3), then BYE of the transferred leg.</summary>
    private async Task LeaveAfterAttendedTransferAsync(Connected connected, ReferRequest refer, ConsultCall consult)
    {
        await ReportAfterAcceptAsync(refer, SipStatusCodes.Ok, "OK");
        await consult.HangUpAsync(SipStatusCodes.TemporarilyUnavailable, "Temporarily Unavailable");
        await FinishAsync(connected, hangUp: true);
    }

    private async Task LeaveAfterTransferAsync(Connected connected, ReferRequest refer)
    {
        // The 202 and the first NOTIFY go out once the REFER handler has returned; the final NOTIFY follows them.
        await Task.Delay(TimeSpan.FromMilliseconds(200), _control.Time);
        try
        {
            await refer.ReportAsync(200, "OK");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            _logger.LogDebug(ex, "Final NOTIFY of the transfer of {CallId} not sent", connected.CallId);
        }
        await FinishAsync(connected, hangUp: true);
    }

    private Telephony.Sip.Sdp.SdpSessionDescription OnReinvite(Connected connected, Telephony.Sip.Sdp.SdpSessionDescription offer)
    {
        var media = new MediaNegotiation(_control.Options.ListenAddress);
        var answer = media.Negotiator.CreateAnswer(offer, connected.Leg.LocalEndPoint.Port);
        if (answer.Audio is { } audio)
        {
            MediaNegotiation.Apply(audio, connected.Leg);
            // The phone put the caller on hold (a=sendonly/inactive), or took them back.
            _ = audio.IsRemoteHold ? Grain.Hold() : Grain.Retrieve();
            _control.HoldChanged(connected.CallId, audio.IsRemoteHold);
        }
        return answer.Description;
    }

    /// <summary>The phone hung up (BYE) or its dialog failed.</summary>
    private async Task WatchPhoneAsync(Connected connected)
    {
        await connected.Sip.Ended;
        bool mine;
        lock (_gate)
        {
            mine = _connected == connected;
            if (mine) _connected = null;
        }
        if (!mine)
        {
            return;
        }
        try
        {
            if (connected.Caller is { } caller)
            {
                await caller.AgentHungUpAsync(this);
            }
            else
            {
                await Grain.Hangup();
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Could not report agent {AgentId}'s hang-up of call {CallId}", AgentId, connected.CallId);
        }
        await FinishAsync(connected, hangUp: false);
    }

    private async Task FinishAsync(Connected connected, bool hangUp)
    {
        if (hangUp && connected.Sip.State != SipCallState.Ended)
        {
            await connected.Sip.HangupAsync();
        }
        await connected.Leg.DisposeAsync();
    }

    private async Task DeclineAsync(string callId)
    {
        try
        {
            await Grain.Decline(callId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogDebug(ex, "Decline of {CallId} by {AgentId} not needed", callId, AgentId);
        }
    }

    private async Task HeartbeatAsync()
    {
        while (!_lifetime.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CallControl.KeepAliveInterval, _control.Time, _lifetime.Token);
                await Grain.Heartbeat(_reference!, ActiveCallId);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
            {
                _logger.LogDebug(ex, "Heartbeat of agent {AgentId} failed; retrying", AgentId);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lifetime.Cancel();
        Connected? connected;
        Ringing? ringing;
        lock (_gate)
        {
            (connected, ringing) = (_connected, _ringing);
            (_connected, _ringing) = (null, null);
        }
        ringing?.Sip.Cancel();
        if (connected is not null)
        {
            await FinishAsync(connected, hangUp: true);
        }
        if (_reference is not null)
        {
            _control.Grains.DeleteObjectReference<IAgentPhone>(_reference);
        }
    }
}
