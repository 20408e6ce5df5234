using System.Text;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;

namespace CallCenter.Telephony.Sip.Tests.Parsing;

public sealed class SipStreamFramerTests
{
    [Fact]
    public void Splits_back_to_back_messages_by_content_length()
    {
        var framer = new SipStreamFramer();
        framer.Append(Encoding.UTF8.GetBytes(SampleMessages.SippUacInvite + SampleMessages.BaresipInvite));

        Assert.True(framer.TryRead(out var first));
        Assert.True(framer.TryRead(out var second));
        Assert.False(framer.TryRead(out _));
        Assert.Equal(SampleMessages.SippUacInvite, Encoding.UTF8.GetString(first.Message));
        Assert.Equal(SampleMessages.BaresipInvite, Encoding.UTF8.GetString(second.Message));
    }

    [Fact]
    public void Waits_for_the_whole_body()
    {
        var bytes = Encoding.UTF8.GetBytes(SampleMessages.SippUacInvite);
        var framer = new SipStreamFramer();

        framer.Append(bytes.AsSpan(0, bytes.Length - 1));
        Assert.False(framer.TryRead(out _));
        framer.Append(bytes.AsSpan(bytes.Length - 1));
        Assert.True(framer.TryRead(out var frame));
        Assert.Equal(SipStreamFrameKind.Message, frame.Kind);
    }

    [Fact]
    public void Reports_keep_alive_ping_and_pong()
    {
        var framer = new SipStreamFramer();
        framer.Append("\r\n\r\n"u8);
        Assert.True(framer.TryRead(out var ping));
        Assert.Equal(SipStreamFrameKind.KeepAlivePing, ping.Kind);

        framer.Append("\r\n"u8);
        Assert.False(framer.TryRead(out _));
        framer.Append(Encoding.UTF8.GetBytes(SampleMessages.SippUacInvite));
        Assert.True(framer.TryRead(out var pong));
        Assert.Equal(SipStreamFrameKind.KeepAlivePong, pong.Kind);
        Assert.True(framer.TryRead(out var message));
        Assert.Equal(SipStreamFrameKind.Message, message.Kind);
    }

    [Fact]
    public void Missing_content_length_fails_the_stream_for_good()
    {
        var framer = new SipStreamFramer();
        framer.Append("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n"u8);

        var exception = Assert.Throws<SipParseException>(() => framer.TryRead(out _));

        Assert.Equal(SipParseError.MissingContentLength, exception.Error);
        Assert.False(framer.TryRead(out _));
        Assert.Throws<InvalidOperationException>(() => framer.Append("x"u8));
    }

    [Fact]
    public void Endless_header_block_is_cut_at_the_message_size_limit()
    {
        var framer = new SipStreamFramer(new SipParserLimits { MaxMessageBytes = 1024 });
        framer.Append(Encoding.UTF8.GetBytes("OPTIONS sip:a@b SIP/2.0\r\n" + string.Concat(Enumerable.Repeat("X-Pad: aaaaaaaaaaaaaaaa\r\n", 60))));

        Assert.Equal(SipParseError.MessageTooLarge, Assert.Throws<SipParseException>(() => framer.TryRead(out _)).Error);
    }

    [Fact]
    public void Announced_body_beyond_the_limit_is_refused_before_it_arrives()
    {
        var framer = new SipStreamFramer(new SipParserLimits { MaxMessageBytes = 1024 });
        framer.Append("OPTIONS sip:a@b SIP/2.0\r\nl: 5000\r\n\r\n"u8);

        Assert.Equal(SipParseError.MessageTooLarge, Assert.Throws<SipParseException>(() => framer.TryRead(out _)).Error);
    }
}
