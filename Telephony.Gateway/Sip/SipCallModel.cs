using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>Where a call stands. Legal moves are listed in <see cref="SipCall.IsLegalTransition"/>.</summary>
public enum SipCallState
{
    /// <summary>An INVITE arrived and nothing but 100 Trying went back yet.</summary>
    Offered,

    /// <summary>We sent an INVITE and no provisional response came back yet.</summary>
    Calling,

    /// <summary>Ringing: a 180/183 was sent (incoming) or received (outgoing).</summary>
    Early,

    /// <summary>A 2xx was sent or received: the dialog is confirmed.</summary>
    Connected,

    Ended,
}

public enum SipCallEndReason
{
    LocalHangup,
    RemoteHangup,
    Cancelled,
    Rejected,
    Timeout,
    TransportError,
}

/// <summary>How a call ended; <paramref name="Status"/> is the SIP status that ended it where there was one.</summary>
public sealed record SipCallEnd(SipCallEndReason Reason, int? Status);

/// <summary>What the gateway asks for when it places a call.</summary>
/// <param name="Target">Request-URI, e.g. a registration's Contact exactly as registered.</param>
/// <param name="Destination">Where the INVITE is sent, e.g. the registration's source address (NAT, rport).</param>
public sealed record OutgoingCallRequest(
    SipUri Target,
    IPEndPoint Destination,
    SipTransportProtocol Transport,
    string FromUser,
    string? FromDisplayName,
    SdpSessionDescription Offer,
    IReadOnlyDictionary<string, string>? ExtraHeaders = null)
{
    /// <summary>Optional digest credentials to answer one 401/407 challenge with (RFC 3261 §22.2).</summary>
    public SipCallCredentials? Credentials { get; init; }
}

public sealed record SipCallCredentials(string User, string Password);

public enum OutgoingCallOutcome
{
    Answered,
    Rejected,
    Cancelled,
    Timeout,
    TransportError,
}

/// <summary>The final answer to an outgoing INVITE; <paramref name="Status"/> is the final response's code (408 for Timer B).</summary>
public sealed record OutgoingCallResult(OutgoingCallOutcome Outcome, int? Status)
{
    public bool IsAnswered => Outcome == OutgoingCallOutcome.Answered;
}

/// <summary>
/// A REFER the peer sent in a call (RFC 3515): where it wants the call transferred, and for an attended transfer the
/// dialog the new call replaces (RFC 3891). Once accepted, report the transfer's progress with <see cref="ReportAsync"/>:
/// each report becomes a NOTIFY with a message/sipfrag body, and a final status (200 and above) ends the subscription.
/// </summary>
public sealed class ReferRequest
{
    private readonly Func<int, string?, Task> _report;
    private readonly TaskCompletionSource _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ReferRequest(SipRequest request, SipReferTo referTo, Func<int, string?, Task> report)
    {
        Request = request;
        ReferTo = referTo;
        Replaces = referTo.Replaces;
        ReferredBy = request.Headers.Get(SipHeaderNames.ReferredBy) is { } referredBy ? SipNameAddress.Parse(referredBy, SipHeaderNames.ReferredBy) : null;
        _report = report;
    }

    public SipRequest Request { get; }

    public SipReferTo ReferTo { get; }

    /// <summary>The transfer target without URI headers such as Replaces.</summary>
    public SipUri Target => ReferTo.Address.Uri with { Headers = [] };

    /// <summary>Set for an attended transfer: the dialog the new call should replace.</summary>
    public SipReplaces? Replaces { get; }

    public SipNameAddress? ReferredBy { get; }

    /// <summary>
    /// Completes once the 202 and the first NOTIFY (100 Trying, RFC 3515 §2.4.4) are on their way, after the handler
    /// accepted the REFER; reports made from then on follow them in order. Cancelled when the REFER was refused.
    /// </summary>
    public Task Accepted => _accepted.Task;

    internal void MarkAccepted() => _accepted.TrySetResult();

    internal void MarkRefused() => _accepted.TrySetCanceled();

    /// <summary>Sends a NOTIFY with "SIP/2.0 status reason"; a final status terminates the implicit subscription.</summary>
    public Task ReportAsync(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < SipStatusCodes.Minimum or > SipStatusCodes.Maximum)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A SIP status code runs from 100 to 699.");
        }

        return _report(statusCode, reasonPhrase);
    }
}

/// <summary>A softphone-style registration: bind <paramref name="Contact"/> to <paramref name="User"/> at the registrar for <paramref name="Expires"/>.</summary>
public sealed record RegisterRequest(
    SipUri Registrar,
    IPEndPoint Destination,
    SipTransportProtocol Transport,
    string User,
    string Password,
    SipUri Contact,
    TimeSpan Expires);
