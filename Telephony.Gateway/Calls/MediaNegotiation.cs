using System.Security.Cryptography;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Sip.Sdp;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>SDP for one media leg: our offer or answer on the leg's port, and the leg's remote from what was agreed.</summary>
public sealed class MediaNegotiation(string address)
{
    private readonly SdpNegotiator _negotiator = new(new SdpMediaSettings { Address = address, UserName = "callcenter" }, NewSessionId());

    public SdpNegotiator Negotiator => _negotiator;

    public SdpSessionDescription Offer(RtpLeg leg, SdpDirection direction = SdpDirection.SendReceive) =>
        _negotiator.CreateOffer(leg.LocalEndPoint.Port, direction);

    /// <summary>Answers <paramref name="offer"/> and points the leg at the peer; null when no codec fits (488).</summary>
    public SdpSessionDescription? Answer(SdpSessionDescription offer, RtpLeg leg, SdpDirection direction = SdpDirection.SendReceive)
    {
        var answer = _negotiator.CreateAnswer(offer, leg.LocalEndPoint.Port, direction);
        if (answer.Audio is not { } audio)
        {
            return null;
        }
        Apply(audio, leg);
        return answer.Description;
    }

    /// <summary>Reads the peer's answer to our offer and points the leg at it; false when it agreed to nothing usable.</summary>
    public bool Accept(SdpSessionDescription offer, SdpSessionDescription answer, RtpLeg leg)
    {
        if (_negotiator.ReadAnswer(offer, answer) is not { } audio)
        {
            return false;
        }
        Apply(audio, leg);
        return true;
    }

    public static void Apply(SdpNegotiatedAudio audio, RtpLeg leg)
    {
        IPEndPoint? remote = IPAddress.TryParse(audio.RemoteAddress, out var ip) && !ip.Equals(IPAddress.Any) && audio.RemotePort > 0
            ? new IPEndPoint(ip, audio.RemotePort)
            : null;
        leg.SetRemote(new RtpRemote(remote, audio.PayloadType, audio.TelephoneEventPayloadType, MediaDirections.FromSdp(audio.LocalDirection)));
    }

    private static ulong NewSessionId() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) & 0x7FFF_FFFF_FFFF_FFFF;
}
