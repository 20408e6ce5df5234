using CallCenter.Telephony.Sip.Sdp;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// What this side of a leg does with media, i.e. the direction of our own (local) SDP for the stream
/// (RFC 3264 §6.1). A peer that puts us on hold with a=sendonly gets a=recvonly back: we stop sending.
/// </summary>
public enum MediaDirection
{
    SendReceive,
    SendOnly,
    ReceiveOnly,
    Inactive,
}

public static class MediaDirections
{
    public static bool Sends(this MediaDirection direction) => direction is MediaDirection.SendReceive or MediaDirection.SendOnly;

    public static bool Receives(this MediaDirection direction) => direction is MediaDirection.SendReceive or MediaDirection.ReceiveOnly;

    /// <summary>Our local SDP direction as the media plane's direction.</summary>
    public static MediaDirection FromSdp(SdpDirection local) => local switch
    {
        SdpDirection.SendOnly => MediaDirection.SendOnly,
        SdpDirection.ReceiveOnly => MediaDirection.ReceiveOnly,
        SdpDirection.Inactive => MediaDirection.Inactive,
        _ => MediaDirection.SendReceive,
    };
}

/// <summary>
/// The far end of a leg as negotiated in SDP: where to send (null until latched when the offer gave no usable
/// address), the G.711 payload type (0 PCMU or 8 PCMA), the telephone-event payload type (RFC 4733) and
/// our direction.
/// </summary>
public sealed record RtpRemote(IPEndPoint? EndPoint, int PayloadType, int? TelephoneEventPayloadType, MediaDirection Direction = MediaDirection.SendReceive);
