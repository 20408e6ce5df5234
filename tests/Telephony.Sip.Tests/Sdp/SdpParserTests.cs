using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Sip.Tests.Sdp;

public sealed class SdpParserTests
{
    [Fact]
    public void Baresip_offer_parses()
    {
        var sdp = SdpSessionDescription.Parse(SampleMessages.BaresipSdp);

        Assert.Equal(3941637428UL, sdp.Origin.SessionId);
        Assert.Equal("127.0.0.1", sdp.Connection!.Address);
        var audio = Assert.Single(sdp.Media);
        Assert.Equal(10004, audio.Port);
        Assert.Equal(["0", "8", "101"], audio.Formats);
        Assert.Equal(["PCMU", "PCMA", "telephone-event"], audio.RtpMaps.Select(m => m.EncodingName));
        Assert.Equal("0-15", audio.GetFormatParameters(101));
        Assert.Equal(20, audio.PacketTime);
        Assert.Equal(SdpDirection.SendReceive, sdp.DirectionOf(audio));
        Assert.Equal(["AS:64"], audio.Bandwidths);
    }

    [Fact]
    public void Writer_reproduces_canonical_input()
    {
        Assert.Equal(SampleMessages.BaresipSdp, SdpSessionDescription.Parse(SampleMessages.BaresipSdp).ToString());
        Assert.Equal(SampleMessages.SippSdp, SdpSessionDescription.Parse(SampleMessages.SippSdp).ToString());
    }

    [Fact]
    public void Session_level_direction_applies_when_media_has_none()
    {
        var sdp = SdpSessionDescription.Parse(SampleMessages.SippSdp.Replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n", StringComparison.Ordinal));

        Assert.Equal(SdpDirection.SendOnly, sdp.DirectionOf(sdp.Media[0]));
    }

    [Theory]
    [InlineData("o=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n", "Expected v= line")]
    [InlineData("v=1\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n", "Unsupported SDP version")]
    [InlineData("v=0\r\no=- x 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n", "Malformed o= line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\n", "Missing t= line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n", "Missing c= line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n", "Invalid m= port")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 1 RTP/AVP\r\n", "Malformed m= line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nx=unknown\r\n", "Unexpected x= line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\nt=0 0\r\n", "Unexpected t= line in media")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n", "Malformed c= line")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nbroken\r\n", "Malformed SDP line")]
    public void Malformed_descriptions_are_rejected_with_a_reason(string text, string reason)
    {
        var exception = Assert.Throws<SipParseException>(() => SdpSessionDescription.Parse(text));

        Assert.Equal(SipParseError.InvalidSdp, exception.Error);
        Assert.Equal(reason, exception.ReasonPhrase);
    }

    [Fact]
    public void Rtpmap_parsing_tolerates_channels_and_rejects_garbage()
    {
        Assert.Equal(new SdpRtpMap(97, "opus", 48000, 2), SdpParser.ParseRtpMap("97 opus/48000/2"));
        Assert.Null(SdpParser.ParseRtpMap("128 PCMU/8000"));
        Assert.Null(SdpParser.ParseRtpMap("0 PCMU"));
        Assert.Null(SdpParser.ParseRtpMap("x PCMU/8000"));
    }

    [Fact]
    public void Parse_of_written_description_equals_the_description()
    {
        FuzzSettings.Check(SdpGenerators.Session, sdp => SdpSessionDescription.Parse(sdp.ToString()).ToString() == sdp.ToString());
    }

    [Fact]
    public void Mutated_descriptions_never_throw_anything_but_parse_errors()
    {
        var mutated =
            from sdp in SdpGenerators.Session
            let text = sdp.ToString()
            from position in Gen.Choose(0, text.Length)
            from insert in Gen.Elements("", "\r\n", "=", " ", "m=", "a=rtpmap:", "/", "99999999999999999999", "\0", "é")
            from cut in Gen.Choose(0, 8)
            select text[..position] + insert + text[Math.Min(text.Length, position + cut)..];

        FuzzSettings.Check(mutated, text => FuzzSettings.CompletesQuickly(() =>
        {
            try
            {
                var sdp = SdpSessionDescription.Parse(text);
                foreach (var media in sdp.Media)
                {
                    _ = media.RtpMaps.ToList();
                    _ = media.PacketTime;
                    _ = sdp.DirectionOf(media);
                }
            }
            catch (SipParseException)
            {
            }
        }));
    }
}
