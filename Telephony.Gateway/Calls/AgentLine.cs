using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;

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
        RtpLeg leg;
        try
        {
            leg = _control.Media.CreateLeg($"agent-{AgentId}-{offer.CallId}");
        }
        catch (MediaException ex)
        {
            _logger.LogWarning(ex, "No media port to ring agent {AgentId}", AgentId);
            await DeclineAsync(offer.CallId);
            return;
        }
        var media = new MediaNegotiation(_control.Options.ListenAddress);
        var sdp = media.Offer(leg);
        var registration = Registration;
        var caller = _control.CallerOf(offer.CallId);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["X-CallCenter-Call"] = offer.CallId,
            ["X-CallCenter-Queue"] = offer.QueueId,
        };
        OutgoingCall sip;
        try
        {
            sip = _control.Sip.Invite(new OutgoingCallRequest(registration.Contact, registration.Source, registration.Transport,
                FromUser: offer.CallerNumber, FromDisplayName: offer.CallerNumber, sdp, headers));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
        {
            _logger.LogWarning(ex, "Could not ring agent {AgentId}'s phone", AgentId);
            await leg.DisposeAsync();
            await DeclineAsync(offer.CallId);
            return;
        }
        var ringing = new Ringing(offer.CallId, sip, leg);
        lock (_gate)
        {
            _ringing = ringing;
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
            if (!ringing.Withdrawn)
            {
                // Busy, rejected or no answer from the phone: the call goes back to the head of the queue.
                await DeclineAsync(offer.CallId);
            }
            return;
        }
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

    /// <summary>Prefix of a Refer-To user naming a queue (sip:queue/billing@gateway); any other user is an agent id.</summary>
    public const string QueueTargetPrefix = "queue/";

    /// <summary>What a Refer-To URI names: a queue (user "queue/ID") or an agent (any other user); null when it names nothing.</summary>
    public static TransferTarget? TargetOf(Telephony.Sip.Messages.SipUri referTo)
    {
        var user = Uri.UnescapeDataString(referTo.User ?? "").Trim();
        if (user.StartsWith(QueueTargetPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var queue = user[QueueTargetPrefix.Length..];
            return queue.Length == 0 ? null : TransferTarget.ToQueue(queue);
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
        if (refer.Replaces is not null || TargetOf(refer.Target) is not { } target || connected.Caller is not CallerSession caller)
        {
            // Attended transfer (Replaces) and transfers of callback calls are not supported here.
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
