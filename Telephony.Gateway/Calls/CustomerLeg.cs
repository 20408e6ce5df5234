using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>Where the gateway sends an INVITE to a customer: the Request-URI, the next hop and its transport.</summary>
public sealed record CustomerAddress(SipUri Uri, IPEndPoint Destination, SipTransportProtocol Transport);

/// <summary>
/// The gateway's own call to a customer (a callback, or an agent's click-to-dial through the trunk): its SIP dialog,
/// its RTP leg, and once answered the bridge to the agent's leg and the recording of both. One per call; dispose it
/// to hang up (or cancel) and release the port.
/// </summary>
public sealed class CustomerLeg(CallControl control, string callId, ILogger logger) : IAsyncDisposable
{
    private OutgoingCall? _sip;
    private RtpLeg? _leg;
    private MediaBridge? _bridge;
    private CallRecording? _recording;
    private volatile bool _disposed;

    /// <summary>The final answer to the INVITE, and whether our own ring limit ran out first (we then cancelled it).</summary>
    public sealed record DialResult(bool Answered, int Status, bool TimedOut);

    /// <summary>How the answered dialog ended; never completes before <see cref="DialAsync"/> answered.</summary>
    public Task<SipCallEnd> Ended => _sip?.Ended ?? Task.FromResult(new SipCallEnd(SipCallEndReason.LocalHangup, null));

    /// <summary>Calls the customer; answered only with a usable media answer (PCMU or PCMA). <paramref name="ringLimit"/>: cancel after it.</summary>
    public async Task<DialResult> DialAsync(CustomerAddress to, string fromUser, TimeSpan? ringLimit)
    {
        _leg = control.Media.CreateLeg($"customer-{callId}");
        var media = new MediaNegotiation(control.Options.ListenAddress);
        var offer = media.Offer(_leg);
        _sip = control.Sip.Invite(new OutgoingCallRequest(to.Uri, to.Destination, to.Transport, fromUser, null, offer));
        if (_disposed)
        {
            // The call ended while the INVITE was being built: give up on it at once.
            _sip.Cancel();
        }
        var timedOut = false;
        if (ringLimit is { } limit && await Task.WhenAny(_sip.Result, Task.Delay(limit, control.Time)) != _sip.Result)
        {
            timedOut = true;
            _sip.Cancel();
        }
        var result = await _sip.Result;
        if (!result.IsAnswered || _sip.RemoteSdp is not { } answer || !media.Accept(offer, answer, _leg))
        {
            logger.LogInformation("Call {CallId}: the customer at {Uri} did not answer ({Outcome} {Status})", callId, to.Uri, result.Outcome, result.Status);
            if (result.IsAnswered)
            {
                await _sip.HangupAsync();
            }
            return new DialResult(false, result.IsAnswered ? SipStatusCodes.NotAcceptableHere : result.Status ?? 0, timedOut);
        }
        return new DialResult(true, result.Status ?? SipStatusCodes.Ok, false);
    }

    /// <summary>Bridges the answered customer to the agent's leg and, when calls are recorded (CTI-3), records both; returns the recording's path.</summary>
    public string? Bridge(RtpLeg agentLeg)
    {
        if (_leg is null)
        {
            throw new InvalidOperationException($"Call {callId}: the customer has not answered.");
        }
        _bridge = control.Media.Bridge(_leg, agentLeg);
        if (!control.Options.RecordCalls)
        {
            return null;
        }
        var path = Path.Combine(control.RecordingFolder, control.Time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), $"{callId}.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _recording = control.Media.StartRecording(path, _leg, agentLeg);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _bridge?.Dispose();
        if (_recording is { } recording)
        {
            await recording.DisposeAsync();
        }
        if (_sip is { State: not SipCallState.Ended } sip)
        {
            await sip.HangupAsync();
        }
        if (_leg is { } leg)
        {
            await leg.DisposeAsync();
        }
    }
}
