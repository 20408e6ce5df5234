using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// The consultation of an attended transfer (CTI-2, RFC 5589 §7) as the gateway holds it: the consulting agent's
/// phone called the gateway (<see cref="Sip"/> on <see cref="Leg"/>); once the consulted agent's phone answers
/// (<see cref="Target"/> on <see cref="TargetLeg"/>) the two legs are bridged while the caller hears music.
/// </summary>
public sealed class ConsultCall(AgentLine from, IncomingCall sip, RtpLeg leg, string targetAgentId)
{
    private readonly TaskCompletionSource<bool> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _finished;

    public AgentLine From { get; } = from;

    /// <summary>The consulting phone's call to the gateway (the dialog a REFER's Replaces names).</summary>
    public IncomingCall Sip { get; } = sip;

    public RtpLeg Leg { get; } = leg;

    public string TargetAgentId { get; } = targetAgentId;

    public AgentLine? Target { get; internal set; }

    public RtpLeg? TargetLeg { get; internal set; }

    internal MediaBridge? Bridge { get; set; }

    /// <summary>True once the consulted agent's phone answered; false when it did not (or the consultation ended first).</summary>
    public Task<bool> Answered => _answered.Task;

    /// <summary>The gateway ended <see cref="Sip"/> itself, so its end is not the consulting phone hanging up.</summary>
    public bool EndedByGateway { get; private set; }

    internal void SetAnswered(bool answered) => _answered.TrySetResult(answered);

    /// <summary>Ends the consulting phone's leg once: a call never answered is refused with <paramref name="status"/>, an answered one gets a BYE.</summary>
    internal async Task HangUpAsync(int status, string reason)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }
        _answered.TrySetResult(false);
        if (Sip.State != SipCallState.Ended)
        {
            EndedByGateway = true;
            if (Sip.State is SipCallState.Offered or SipCallState.Early)
            {
                Sip.Reject(status, reason);
            }
            else
            {
                await Sip.HangupAsync();
            }
        }
        await Leg.DisposeAsync();
    }
}
