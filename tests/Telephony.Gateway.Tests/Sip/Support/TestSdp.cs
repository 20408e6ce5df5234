using System.Net;
using CallCenter.Telephony.Sip.Sdp;

namespace CallCenter.Telephony.Gateway.Tests.Sip.Support;

/// <summary>Session descriptions as the gateway's media side would make them.</summary>
internal static class TestSdp
{
    public static SdpNegotiator Negotiator(ulong sessionId = 1000) => new(new SdpMediaSettings { Address = "127.0.0.1" }, sessionId);

    public static SdpSessionDescription Offer(int rtpPort = 20000, SdpDirection direction = SdpDirection.SendReceive) =>
        Negotiator().CreateOffer(rtpPort, direction);

    public static SdpSessionDescription Answer(SdpSessionDescription offer, int rtpPort = 30000) =>
        Negotiator(2000).CreateAnswer(offer, rtpPort).Description;

    public static SdpDirection DirectionOf(SdpSessionDescription sdp) => sdp.DirectionOf(sdp.Media[0]);
}
