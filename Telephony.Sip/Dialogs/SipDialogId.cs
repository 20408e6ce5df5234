using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Sip.Dialogs;

/// <summary>A dialog is identified by Call-ID, local tag and remote tag (RFC 3261 §12).</summary>
public readonly record struct SipDialogId(string CallId, string LocalTag, string RemoteTag)
{
    /// <summary>For a request we received: our tag is in To, the peer's in From (§12.2.2). Null outside a dialog.</summary>
    public static SipDialogId? ForIncomingRequest(SipRequest request) =>
        request.CallId is { } callId && request.To?.Tag is { } local && request.From?.Tag is { } remote
            ? new SipDialogId(callId, local, remote)
            : null;

    /// <summary>For a response to our request: our tag is in From, the peer's in To (§12.1.2).</summary>
    public static SipDialogId? ForIncomingResponse(SipResponse response) =>
        response.CallId is { } callId && response.From?.Tag is { } local && response.To?.Tag is { } remote
            ? new SipDialogId(callId, local, remote)
            : null;
}
