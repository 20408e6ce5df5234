using System.Text;

namespace CallCenter.Telephony.Sip.Tests.Support;

/// <summary>Messages as real peers send them, with Content-Length computed from the body.</summary>
internal static class SampleMessages
{
    public const string BaresipSdp =
        "v=0\r\n" +
        "o=- 3941637428 3941637428 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "c=IN IP4 127.0.0.1\r\n" +
        "t=0 0\r\n" +
        "m=audio 10004 RTP/AVP 0 8 101\r\n" +
        "b=AS:64\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=ptime:20\r\n" +
        "a=sendrecv\r\n" +
        "a=rtcp-rsize\r\n";

    /// <summary>An INVITE as baresip 1.0.0 sends it: lower-case-free names, ;rport without value, Allow list on one row.</summary>
    public static readonly string BaresipInvite =
        "INVITE sip:agent1@127.0.0.1:5060;transport=udp SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:41773;branch=z9hG4bK4a31b1d6c1e8a5f2;rport\r\n" +
        "Contact: <sip:alice-0x55e0a8c3f2a0@127.0.0.1:41773;transport=udp>\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: <sip:agent1@127.0.0.1:5060;transport=udp>\r\n" +
        "From: \"Alice\" <sip:alice@127.0.0.1>;tag=5d2c8a6e4b1f7c93\r\n" +
        "Call-ID: 0f6c1b5e2d9a8c47\r\n" +
        "CSeq: 20812 INVITE\r\n" +
        "User-Agent: baresip v1.0.0 (x86_64/linux)\r\n" +
        "Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,UPDATE,REFER\r\n" +
        "Supported: replaces,norefersub\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length: {Encoding.UTF8.GetByteCount(BaresipSdp)}\r\n" +
        "\r\n" +
        BaresipSdp;

    public const string SippSdp =
        "v=0\r\n" +
        "o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "c=IN IP4 127.0.0.1\r\n" +
        "t=0 0\r\n" +
        "m=audio 6000 RTP/AVP 0\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n";

    /// <summary>The INVITE of SIPp's built-in uac scenario (extra spaces before Content-Length's value included).</summary>
    public static readonly string SippUacInvite =
        "INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-4242-1-0\r\n" +
        "From: sipp <sip:sipp@127.0.0.1:5061>;tag=4242SIPpTag001\r\n" +
        "To: service <sip:service@127.0.0.1:5060>\r\n" +
        "Call-ID: 1-4242@127.0.0.1\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: sip:sipp@127.0.0.1:5061\r\n" +
        "Max-Forwards: 70\r\n" +
        "Subject: Performance Test\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length:   {Encoding.UTF8.GetByteCount(SippSdp)}\r\n" +
        "\r\n" +
        SippSdp;

    /// <summary>A compact, folded, multi-Via message in the style of the RFC 4475 torture tests.</summary>
    public const string CompactFolded =
        "OPTIONS sip:user@example.com SIP/2.0\r\n" +
        "v: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw1,\r\n" +
        " SIP/2.0/TCP host2.example.com:5070;branch=z9hG4bKkdjuw2\r\n" +
        "VIA: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKkdjuw3;received=192.0.2.1;rport=3456\r\n" +
        "t: \"Bob\"\r\n" +
        "\t <sip:user@example.com>\r\n" +
        "f: <sip:caller@example.net>;tag=98asjd8\r\n" +
        "i: wsinv.ndaksdj@192.0.2.1\r\n" +
        "cseq:   8\r\n" +
        "   OPTIONS\r\n" +
        "MAX-FORWARDS: 68\r\n" +
        "m: <sip:caller@host5.example.net>;expires=60, sip:caller@host6.example.net\r\n" +
        "k: timer\r\n" +
        "l: 0\r\n" +
        "\r\n";
}
