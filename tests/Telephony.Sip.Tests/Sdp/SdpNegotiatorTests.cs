using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Tests.Support;

namespace CallCenter.Telephony.Sip.Tests.Sdp;

public sealed class SdpNegotiatorTests
{
    private const int LocalPort = 20000;
    private static readonly SdpMediaSettings Settings = new() { Address = "127.0.0.1" };

    private static SdpNegotiator Negotiator(SdpMediaSettings? settings = null) => new(settings ?? Settings, sessionId: 1000);

    private static SdpSessionDescription Offer(string mediaLines, string sessionAttributes = "") => SdpSessionDescription.Parse(
        "v=0\r\no=peer 42 42 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n" + sessionAttributes + mediaLines);

    [Fact]
    public void Answer_to_baresip_keeps_our_preference_and_echoes_telephone_event()
    {
        var answer = Negotiator(Settings with { Codecs = [SdpAudioCodec.Pcma, SdpAudioCodec.Pcmu] })
            .CreateAnswer(SdpSessionDescription.Parse(SampleMessages.BaresipSdp), LocalPort);

        var media = Assert.Single(answer.Description.Media);
        Assert.Equal(["8", "0", "101"], media.Formats);
        Assert.Equal("0-15", media.GetFormatParameters(101));
        Assert.Equal(LocalPort, media.Port);
        Assert.Equal(SdpDirection.SendReceive, media.Direction);
        Assert.Equal("127.0.0.1", answer.Description.Connection!.Address);
        Assert.Equal(SdpAudioCodec.Pcma, answer.Audio!.Codec);
        Assert.Equal(8, answer.Audio.PayloadType);
        Assert.Equal(101, answer.Audio.TelephoneEventPayloadType);
        Assert.Equal(10004, answer.Audio.RemotePort);
        Assert.Equal("127.0.0.1", answer.Audio.RemoteAddress);
    }

    [Fact]
    public void Dynamic_telephone_event_type_of_the_offer_is_echoed()
    {
        var offer = Offer("m=audio 4000 RTP/AVP 0 96\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n");

        var answer = Negotiator().CreateAnswer(offer, LocalPort);

        Assert.Equal(["0", "96"], answer.Description.Media[0].Formats);
        Assert.Equal("0-16", answer.Description.Media[0].GetFormatParameters(96));
        Assert.Equal(96, answer.Audio!.TelephoneEventPayloadType);
    }

    [Fact]
    public void Codecs_only_come_from_the_offer()
    {
        var offer = Offer("m=audio 4000 RTP/AVP 8 18\r\na=rtpmap:18 G729/8000\r\n");

        var answer = Negotiator().CreateAnswer(offer, LocalPort);

        Assert.Equal(["8"], answer.Description.Media[0].Formats);
        Assert.Null(answer.Audio!.TelephoneEventPayloadType);
    }

    [Fact]
    public void Codec_offered_on_a_dynamic_number_is_answered_with_that_number()
    {
        var offer = Offer("m=audio 4000 RTP/AVP 112\r\na=rtpmap:112 pcmu/8000\r\n");

        var answer = Negotiator().CreateAnswer(offer, LocalPort);

        Assert.Equal(112, answer.Audio!.PayloadType);
        Assert.Equal(["112"], answer.Description.Media[0].Formats);
    }

    [Fact]
    public void Streams_we_cannot_take_get_port_zero_and_keep_their_place()
    {
        var offer = Offer(
            "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
            "m=audio 4000 RTP/SAVP 0\r\n" +
            "m=audio 4002 RTP/AVP 0\r\n" +
            "m=audio 4004 RTP/AVP 8\r\n");

        var answer = Negotiator().CreateAnswer(offer, LocalPort);

        Assert.Equal([0, 0, LocalPort, 0], answer.Description.Media.Select(m => m.Port));
        Assert.Equal(["video", "audio", "audio", "audio"], answer.Description.Media.Select(m => m.Media));
        Assert.Equal(["96"], answer.Description.Media[0].Formats);
        Assert.Equal(2, answer.Audio!.MediaIndex);
    }

    [Fact]
    public void No_common_codec_means_not_acceptable()
    {
        var answer = Negotiator().CreateAnswer(Offer("m=audio 4000 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n"), LocalPort);

        Assert.False(answer.IsAcceptable);
        Assert.Equal(0, answer.Description.Media[0].Port);
    }

    [Theory]
    [InlineData("sendonly", SdpDirection.ReceiveOnly)]
    [InlineData("recvonly", SdpDirection.SendOnly)]
    [InlineData("inactive", SdpDirection.Inactive)]
    [InlineData("sendrecv", SdpDirection.SendReceive)]
    public void Answer_direction_mirrors_the_offer(string offered, SdpDirection expected)
    {
        var answer = Negotiator().CreateAnswer(Offer($"m=audio 4000 RTP/AVP 0\r\na={offered}\r\n"), LocalPort);

        Assert.Equal(expected, answer.Description.Media[0].Direction);
        Assert.Equal(expected, answer.Audio!.LocalDirection);
    }

    [Fact]
    public void Peer_hold_with_sendonly_or_zero_address_is_detected()
    {
        var sendOnly = Negotiator().CreateAnswer(Offer("m=audio 4000 RTP/AVP 0\r\n", "a=sendonly\r\n"), LocalPort);
        var zeroAddress = Negotiator().CreateAnswer(Offer("m=audio 4000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n"), LocalPort);

        Assert.True(sendOnly.Audio!.IsRemoteHold);
        Assert.True(zeroAddress.Audio!.IsRemoteHold);
    }

    [Fact]
    public void We_can_hold_and_resume_with_new_offers_each_with_a_higher_version()
    {
        var negotiator = Negotiator();

        var initial = negotiator.CreateOffer(LocalPort);
        var hold = negotiator.CreateOffer(LocalPort, SdpDirection.SendOnly);
        var resume = negotiator.CreateOffer(LocalPort);

        Assert.Equal([1000UL, 1001UL, 1002UL], new[] { initial, hold, resume }.Select(s => s.Origin.SessionVersion));
        Assert.All([initial, hold, resume], s => Assert.Equal(1000UL, s.Origin.SessionId));
        Assert.Equal(SdpDirection.SendOnly, hold.Media[0].Direction);
        Assert.Equal(["0", "8", "101"], initial.Media[0].Formats);
        Assert.Equal("0-15", initial.Media[0].GetFormatParameters(101));
    }

    [Fact]
    public void Unchanged_answer_repeats_its_version_and_changed_answer_bumps_it()
    {
        var negotiator = Negotiator();
        var offer = Offer("m=audio 4000 RTP/AVP 0\r\n");

        var first = negotiator.CreateAnswer(offer, LocalPort).Description;
        var refresh = negotiator.CreateAnswer(offer, LocalPort).Description;
        var held = negotiator.CreateAnswer(Offer("m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"), LocalPort).Description;

        Assert.Equal(first.Origin.SessionVersion, refresh.Origin.SessionVersion);
        Assert.Equal(first.Origin.SessionVersion + 1, held.Origin.SessionVersion);
    }

    [Fact]
    public void Reading_an_answer_yields_the_answerers_first_codec()
    {
        var negotiator = Negotiator();
        var offer = negotiator.CreateOffer(LocalPort);
        var answer = SdpSessionDescription.Parse(
            "v=0\r\no=peer 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=recvonly\r\n");

        var audio = negotiator.ReadAnswer(offer, answer);

        Assert.Equal(SdpAudioCodec.Pcma, audio!.Codec);
        Assert.Equal(101, audio.TelephoneEventPayloadType);
        Assert.Equal(SdpDirection.SendOnly, audio.LocalDirection);
        Assert.Equal(30000, audio.RemotePort);
    }

    [Fact]
    public void Remote_modification_is_told_by_the_origin_version()
    {
        var first = Offer("m=audio 4000 RTP/AVP 0\r\n");
        var refresh = Offer("m=audio 4000 RTP/AVP 0\r\n");
        var changed = SdpSessionDescription.Parse(first.ToString().Replace("o=peer 42 42", "o=peer 42 43", StringComparison.Ordinal));

        Assert.False(SdpNegotiator.IsModification(first, refresh));
        Assert.True(SdpNegotiator.IsModification(first, changed));
    }

    [Fact]
    public void Answer_has_as_many_m_lines_as_any_generated_offer_in_the_same_order()
    {
        FuzzSettings.Check(SdpGenerators.Session, offer =>
        {
            if (offer.Connection is null)
            {
                return true;
            }

            var answer = Negotiator().CreateAnswer(offer, LocalPort);
            var accepted = answer.Description.Media.Where(m => m.Port != 0).ToList();
            var formatsFromOffer = accepted.All(m => m.Formats.All(f => offer.Media[answer.Audio!.MediaIndex].Formats.Contains(f)));
            return answer.Description.Media.Count == offer.Media.Count
                && answer.Description.Media.Select(m => m.Media).SequenceEqual(offer.Media.Select(m => m.Media))
                && accepted.Count <= 1
                && formatsFromOffer
                && SdpSessionDescription.Parse(answer.Description.ToString()).ToString() == answer.Description.ToString();
        });
    }
}
