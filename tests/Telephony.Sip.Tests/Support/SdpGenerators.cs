using CallCenter.Telephony.Sip.Sdp;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Sip.Tests.Support;

internal static class SdpGenerators
{
    private static Gen<string> Text => SipGenerators.StringOf("abcdefghijklmnopqrstuvwxyz0123456789 -_.", 1, 20).Select(t => t.Trim()).Where(t => t.Length > 0);

    private static Gen<SdpConnection> Connection =>
        from address in SipGenerators.IPv4
        select new SdpConnection(SdpConnection.Internet, SdpConnection.IPv4, address);

    private static Gen<SdpAttribute> Attribute => Gen.OneOf(
        Gen.Elements(new SdpAttribute("sendrecv", null), new SdpAttribute("sendonly", null), new SdpAttribute("recvonly", null), new SdpAttribute("inactive", null), new SdpAttribute("ptime", "20"), new SdpAttribute("rtcp-mux", null)),
        from pt in Gen.Choose(0, 127)
        from name in Gen.Elements("PCMU", "PCMA", "telephone-event", "opus")
        select new SdpAttribute("rtpmap", new SdpRtpMap(pt, name, 8000).Value),
        from pt in Gen.Choose(96, 127)
        select new SdpAttribute("fmtp", $"{pt} 0-15"),
        from name in SipGenerators.AlphaToken
        from value in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(t => (string?)t))
        select new SdpAttribute("x-" + name, value));

    private static Gen<SdpMediaDescription> Media =>
        from media in Gen.Elements("audio", "video", "application")
        from port in Gen.Choose(0, 65535)
        from protocol in Gen.Elements("RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF")
        from formats in Gen.Choose(1, 5).SelectMany(n => Gen.ListOf(Gen.Choose(0, 127).Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture)), n))
        from connections in Gen.Choose(0, 1).SelectMany(n => Gen.ListOf(Connection, n))
        from attributes in Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(Attribute, n))
        from bandwidth in Gen.Elements<string[]>([], ["AS:64"], ["TIAS:64000"])
        select new SdpMediaDescription
        {
            Media = media,
            Port = port,
            Protocol = protocol,
            Formats = [.. formats],
            Connections = [.. connections],
            Attributes = [.. attributes],
            Bandwidths = [.. bandwidth],
        };

    public static Gen<SdpSessionDescription> Session =>
        from sessionId in Gen.Choose(0, int.MaxValue)
        from version in Gen.Choose(0, int.MaxValue)
        from address in SipGenerators.IPv4
        from name in Gen.OneOf(Gen.Constant("-"), Text)
        from information in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(t => (string?)t))
        from attributes in Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(Attribute, n))
        from media in Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(Media, n))
        select new SdpSessionDescription
        {
            Origin = new SdpOrigin("-", (ulong)sessionId, (ulong)version, SdpConnection.Internet, SdpConnection.IPv4, address),
            SessionName = name,
            Information = information,
            Connection = new SdpConnection(SdpConnection.Internet, SdpConnection.IPv4, address),
            Timings = [new SdpTiming(0, 0)],
            Attributes = [.. attributes],
            Media = [.. media],
        };
}
