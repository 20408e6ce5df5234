using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// A supervisor's registered phone rung into a call to monitor it (WB-2). The caller session mixes its leg in
/// once it answered and the call grain confirmed; hanging it up never touches the caller or the agent.
/// </summary>
public sealed class SupervisorCall : IAsyncDisposable
{
    private readonly OutgoingCall _sip;
    private readonly MediaNegotiation _media;
    private readonly Telephony.Sip.Sdp.SdpSessionDescription _offer;
    private int _disposed;

    private SupervisorCall(string supervisorId, MonitorMode mode, RtpLeg leg, OutgoingCall sip, MediaNegotiation media, Telephony.Sip.Sdp.SdpSessionDescription offer)
    {
        SupervisorId = supervisorId;
        Mode = mode;
        Leg = leg;
        _sip = sip;
        _media = media;
        _offer = offer;
    }

    public string SupervisorId { get; }

    /// <summary>The mode the supervisor asked for last; changed live.</summary>
    public MonitorMode Mode { get; set; }

    public RtpLeg Leg { get; }

    /// <summary>Mixed into the call: the phone answered and the call grain confirmed.</summary>
    public bool Joined { get; set; }

    /// <summary>The call grain stopped this monitoring (it knows already; the hang-up is not reported back).</summary>
    public bool StoppedByCall { get; set; }

    public Task<SipCallEnd> Ended => _sip.Ended;

    /// <summary>
    /// Rings the supervisor's phone where it registered; the INVITE names the call and the mode, so a phone can show
    /// what it is listening to. Throws <see cref="MediaException"/> when no RTP port is free.
    /// </summary>
    public static SupervisorCall Ring(CallControl control, Registration registration, string callId, string callerNumber, MonitorMode mode)
    {
        var leg = control.Media.CreateLeg($"supervisor-{registration.User}-{callId}");
        try
        {
            var media = new MediaNegotiation(control.Options.ListenAddress);
            // The supervisor speaks only when whispering or barging, but its phone always sends: a mode change needs no re-INVITE.
            var offer = media.Offer(leg);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["X-CallCenter-Call"] = callId,
                ["X-CallCenter-Monitor"] = mode.ToString().ToLowerInvariant(),
            };
            var sip = control.Sip.Invite(new OutgoingCallRequest(registration.Contact, registration.Source, registration.Transport,
                FromUser: callerNumber, FromDisplayName: $"monitor {callerNumber}", offer, headers));
            return new SupervisorCall(registration.User, mode, leg, sip, media, offer);
        }
        catch
        {
            _ = leg.DisposeAsync().AsTask();
            throw;
        }
    }

    /// <summary>True when the phone answered with media we can use; otherwise the attempt is over (and hung up).</summary>
    public async Task<bool> AnsweredAsync()
    {
        var result = await _sip.Result;
        if (result.IsAnswered && _sip.RemoteSdp is { } answer && _media.Accept(_offer, answer, Leg))
        {
            return true;
        }
        if (result.IsAnswered)
        {
            await _sip.HangupAsync();
        }
        return false;
    }

    /// <summary>Cancels a ringing phone or hangs up an answered one, and closes the leg. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_sip.State != SipCallState.Ended)
        {
            await _sip.HangupAsync();
        }
        await Leg.DisposeAsync();
    }
}

/// <summary>A supervisor on a call as the gateway sees it: mode, whether it joined, its role in the mix, RTP to and from its phone.</summary>
public sealed record SupervisorLegState(string SupervisorId, MonitorMode Mode, bool Joined, ConferenceRole? Role, long PacketsSent, long PacketsReceived);
