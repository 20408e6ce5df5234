using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;

namespace CallCenter.Telephony.Sip.Tests.Messages;

public sealed class SipResponseTests
{
    private static SipRequest Invite() =>
        SipMessageParser.ParseRequest(Encoding.UTF8.GetBytes(SampleMessages.CompactFolded.Replace("OPTIONS", "INVITE", StringComparison.Ordinal)));

    [Fact]
    public void Response_copies_vias_from_call_id_cseq_and_tags_to()
    {
        var request = Invite();

        var response = SipResponse.CreateFor(request, SipStatusCodes.Ringing, toTag: "as83kd9");

        Assert.Equal(request.Headers.GetAll(SipHeaderNames.Via), response.Headers.GetAll(SipHeaderNames.Via));
        Assert.Equal(request.Headers.Get(SipHeaderNames.From), response.Headers.Get(SipHeaderNames.From));
        Assert.Equal(request.CallId, response.CallId);
        Assert.Equal(request.CSeq, response.CSeq);
        Assert.Equal("as83kd9", response.To!.Tag);
        Assert.Equal(request.To!.Uri, response.To.Uri);
        Assert.Equal("Ringing", response.ReasonPhrase);
        Assert.Null(response.Headers.Get(SipHeaderNames.Contact));
    }

    [Fact]
    public void Trying_gets_no_tag_but_copies_timestamp()
    {
        var request = Invite();
        request.Headers.Add(SipHeaderNames.Timestamp, "54");

        var response = SipResponse.CreateFor(request, SipStatusCodes.Trying, toTag: "ignored");

        Assert.Null(response.To!.Tag);
        Assert.Equal("54", response.Headers.Get(SipHeaderNames.Timestamp));
    }

    [Fact]
    public void Existing_to_tag_is_kept()
    {
        var request = Invite();
        request.To = request.To!.WithTag("dialog-tag");

        var response = SipResponse.CreateFor(request, SipStatusCodes.Ok, toTag: "other");

        Assert.Equal("dialog-tag", response.To!.Tag);
    }

    [Fact]
    public void Writer_emits_one_content_length_matching_the_body_and_full_header_names()
    {
        var request = Invite();
        request.Headers.Add(SipHeaderNames.ContentLength, "999");
        request.SetBody("abc"u8.ToArray(), "text/plain");

        var text = Encoding.UTF8.GetString(SipMessageWriter.Write(request));

        Assert.Single(text.Split("\r\n"), line => line.StartsWith("Content-Length:", StringComparison.Ordinal));
        Assert.Contains("Content-Length: 3\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Call-ID: wsinv.ndaksdj@192.0.2.1\r\n", text, StringComparison.Ordinal);
        Assert.StartsWith("INVITE sip:user@example.com SIP/2.0\r\nVia: ", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nabc", text, StringComparison.Ordinal);
    }
}
