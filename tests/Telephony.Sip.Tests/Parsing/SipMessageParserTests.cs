using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;

namespace CallCenter.Telephony.Sip.Tests.Parsing;

public sealed class SipMessageParserTests
{
    private static SipMessage Parse(string text, SipFraming framing = SipFraming.Datagram, SipParserLimits? limits = null) =>
        SipMessageParser.Parse(Encoding.UTF8.GetBytes(text), framing, limits);

    private static SipParseException Reject(string text, SipFraming framing = SipFraming.Datagram, SipParserLimits? limits = null) =>
        Assert.Throws<SipParseException>(() => Parse(text, framing, limits));

    private const string MinimalHeaders =
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n" +
        "To: Bob <sip:bob@biloxi.com>\r\n" +
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Max-Forwards: 70\r\n";

    private static string Invite(string extraHeaders = "", string body = "") =>
        "INVITE sip:bob@biloxi.com SIP/2.0\r\n" + MinimalHeaders + extraHeaders + "\r\n" + body;

    [Fact]
    public void Baresip_invite_with_rport_parses()
    {
        var request = Assert.IsType<SipRequest>(Parse(SampleMessages.BaresipInvite, SipFraming.Stream));

        Assert.Equal(SipMethods.Invite, request.Method);
        Assert.Equal("agent1", request.RequestUri.User);
        Assert.Equal("udp", request.RequestUri.Transport);
        var via = Assert.Single(request.Vias);
        Assert.True(via.HasRport);
        Assert.Null(via.Rport);
        Assert.Equal(41773, via.Port);
        Assert.Equal("Alice", request.From!.DisplayName);
        Assert.Equal("5d2c8a6e4b1f7c93", request.From.Tag);
        Assert.Null(request.To!.Tag);
        Assert.Equal(new SipCSeq(20812, SipMethods.Invite), request.CSeq);
        Assert.Equal(11, request.Headers.GetListValues(SipHeaderNames.Allow).Count);
        Assert.Equal("alice-0x55e0a8c3f2a0", Assert.Single(request.Contacts).Uri.User);
        Assert.Equal(SampleMessages.BaresipSdp, Encoding.UTF8.GetString(request.Body.Span));
    }

    [Fact]
    public void Sipp_uac_invite_parses()
    {
        var request = Assert.IsType<SipRequest>(Parse(SampleMessages.SippUacInvite));

        Assert.Equal("service", request.RequestUri.User);
        Assert.Equal("z9hG4bK-4242-1-0", request.TopVia!.Branch);
        Assert.Equal("sipp", request.From!.DisplayName);
        Assert.Equal("4242SIPpTag001", request.From.Tag);
        Assert.Equal("sipp", Assert.Single(request.Contacts).Uri.User);
        Assert.Equal(70, request.MaxForwards);
        Assert.Equal("application/sdp", request.ContentType);
        Assert.Equal(SampleMessages.SippSdp, Encoding.UTF8.GetString(request.Body.Span));
    }

    [Fact]
    public void Compact_forms_folding_and_comma_separated_vias_are_understood()
    {
        var request = Assert.IsType<SipRequest>(Parse(SampleMessages.CompactFolded, SipFraming.Stream));

        var vias = request.Vias;
        Assert.Equal(3, vias.Count);
        Assert.Equal("TCP", vias[1].Transport);
        Assert.Equal(5070, vias[1].Port);
        Assert.Equal("[2001:db8::9]", vias[2].Host);
        Assert.Equal(3456, vias[2].Rport);
        Assert.Equal("Bob", request.To!.DisplayName);
        Assert.Equal(new SipCSeq(8, SipMethods.Options), request.CSeq);
        Assert.Equal(68, request.MaxForwards);
        Assert.Equal(2, request.Contacts.Count);
        Assert.Equal("60", request.Contacts[0].Parameters.Get("expires"));
        Assert.Equal("timer", request.Headers.Get(SipHeaderNames.Supported));
        Assert.Equal(SipHeaderNames.CallId, request.Headers.Single(h => h.Value.StartsWith("wsinv", StringComparison.Ordinal)).Name);
    }

    [Fact]
    public void Response_with_multiword_reason_phrase()
    {
        var text = "SIP/2.0 481 Call/Transaction Does Not Exist\r\n" + MinimalHeaders + "Content-Length: 0\r\n\r\n";

        var response = Assert.IsType<SipResponse>(Parse(text));

        Assert.Equal(481, response.StatusCode);
        Assert.Equal("Call/Transaction Does Not Exist", response.ReasonPhrase);
    }

    [Fact]
    public void Leading_empty_lines_and_bare_line_feeds_are_tolerated()
    {
        var request = Parse("\r\n\r\n" + Invite().Replace("\r\n", "\n", StringComparison.Ordinal));

        Assert.IsType<SipRequest>(request);
    }

    [Fact]
    public void Datagram_body_runs_to_end_without_content_length_and_is_cut_at_content_length()
    {
        var without = Parse(Invite("Content-Type: text/plain\r\n", "hello"));
        var cut = Parse(Invite("Content-Type: text/plain\r\nContent-Length: 3\r\n", "hello"));

        Assert.Equal("hello"u8.ToArray(), without.Body.ToArray());
        Assert.Equal("hel"u8.ToArray(), cut.Body.ToArray());
    }

    [Fact]
    public void Stream_framing_requires_exact_content_length()
    {
        Assert.Equal(SipParseError.MissingContentLength, Reject(Invite(), SipFraming.Stream).Error);
        Assert.Equal(SipParseError.InvalidContentLength, Reject(Invite("Content-Type: a/b\r\nContent-Length: 3\r\n", "hello"), SipFraming.Stream).Error);
    }

    [Theory]
    [InlineData("Content-Length: 10\r\nContent-Type: a/b\r\n", "short", SipParseError.TruncatedBody)]
    [InlineData("Content-Length: -1\r\n", "", SipParseError.InvalidContentLength)]
    [InlineData("Content-Length: 1x\r\n", "", SipParseError.InvalidContentLength)]
    [InlineData("Content-Length: 0\r\nl: 1\r\n", "", SipParseError.InvalidContentLength)]
    [InlineData("Content-Length: 4\r\n", "body", SipParseError.MissingContentType)]
    [InlineData("Call-ID: second\r\n", "", SipParseError.MalformedHeader)]
    [InlineData("Bad Header: x\r\n", "", SipParseError.MalformedHeader)]
    [InlineData("NoColon\r\n", "", SipParseError.MalformedHeader)]
    [InlineData("Max-Forwards: many\r\n", "", SipParseError.MalformedHeader)]
    [InlineData("Contact: <sip:broken\r\n", "", SipParseError.InvalidHeaderValue)]
    public void Bad_headers_are_rejected_with_distinct_errors(string extraHeaders, string body, SipParseError expected)
    {
        Assert.Equal(expected, Reject(Invite(extraHeaders, body)).Error);
    }

    [Theory]
    [InlineData("Via")]
    [InlineData("From")]
    [InlineData("To")]
    [InlineData("Call-ID")]
    [InlineData("CSeq")]
    public void Missing_mandatory_header_is_named_in_the_reason(string header)
    {
        var text = Invite().Replace(MinimalHeaders.Split("\r\n").First(l => l.StartsWith(header + ":", StringComparison.Ordinal)) + "\r\n", "", StringComparison.Ordinal);

        var exception = Reject(text);

        Assert.Equal(SipParseError.MissingHeader, exception.Error);
        Assert.Equal($"Missing {header} header", exception.ReasonPhrase);
        Assert.NotNull(exception.PartialRequest);
    }

    [Fact]
    public void CSeq_method_must_match_request_method()
    {
        var exception = Reject(Invite().Replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE", StringComparison.Ordinal));

        Assert.Equal(SipParseError.CSeqMethodMismatch, exception.Error);
        Assert.Equal(SipStatusCodes.BadRequest, exception.SuggestedStatusCode);
        Assert.Equal("z9hG4bK776asdhds", exception.PartialRequest!.TopVia!.Branch);
    }

    [Theory]
    [InlineData("INVITE sip:bob@biloxi.com SIP/2.0 extra", SipParseError.MalformedStartLine)]
    [InlineData("INVITE  sip:bob@biloxi.com SIP/2.0", SipParseError.MalformedStartLine)]
    [InlineData("INVITE sip:bob@biloxi.com", SipParseError.MalformedStartLine)]
    [InlineData("INV@TE sip:bob@biloxi.com SIP/2.0", SipParseError.MalformedStartLine)]
    [InlineData("INVITE sip:bob@biloxi.com SIP/7.0", SipParseError.UnsupportedVersion)]
    [InlineData("INVITE sip:bob@biloxi.com HTTP/1.1", SipParseError.MalformedStartLine)]
    [InlineData("INVITE sip:bob@bil oxi.com SIP/2.0", SipParseError.MalformedStartLine)]
    [InlineData("INVITE sip:@biloxi.com SIP/2.0", SipParseError.InvalidUri)]
    [InlineData("INVITE http://biloxi.com SIP/2.0", SipParseError.UnsupportedUriScheme)]
    [InlineData("SIP/2.0 99 Too Low", SipParseError.MalformedStartLine)]
    [InlineData("SIP/2.0 700 Too High", SipParseError.MalformedStartLine)]
    [InlineData("SIP/2.0 2000 Long", SipParseError.MalformedStartLine)]
    [InlineData("SIP/3.0 200 OK", SipParseError.UnsupportedVersion)]
    public void Bad_start_lines_are_rejected(string startLine, SipParseError expected)
    {
        Assert.Equal(expected, Reject(startLine + "\r\n" + MinimalHeaders + "\r\n").Error);
    }

    [Fact]
    public void Limits_are_distinct_errors()
    {
        var tightLimits = new SipParserLimits { MaxMessageBytes = 600, MaxHeaderCount = 8, MaxHeaderLineLength = 100 };

        Assert.Equal(SipParseError.MessageTooLarge, Reject(Invite("X-Pad: " + new string('a', 600) + "\r\n"), limits: tightLimits).Error);
        Assert.Equal(SipParseError.TooManyHeaders, Reject(Invite("A: 1\r\nB: 2\r\nC: 3\r\n"), limits: tightLimits).Error);
        Assert.Equal(SipParseError.HeaderLineTooLong, Reject(Invite("X-Long: " + new string('a', 120) + "\r\n"), limits: tightLimits).Error);
        Assert.Equal(SipParseError.HeaderLineTooLong, Reject(Invite("X-Folded: " + string.Concat(Enumerable.Repeat("aaaaaaaaaa\r\n ", 12)) + "end\r\n"), limits: tightLimits).Error);
        Assert.Equal(SipStatusCodes.MessageTooLarge, Reject(Invite("X-Pad: " + new string('a', 600) + "\r\n"), limits: tightLimits).SuggestedStatusCode);
    }

    [Fact]
    public void Control_characters_and_invalid_utf8_are_rejected()
    {
        Assert.Equal(SipParseError.InvalidCharacter, Reject(Invite("X-Evil: a\rb\r\n")).Error);
        Assert.Equal(SipParseError.InvalidCharacter, Reject(Invite("X-Evil: a\0b\r\n")).Error);

        var bytes = Encoding.UTF8.GetBytes(Invite("X-Bytes: ??\r\n"));
        var index = Array.IndexOf(bytes, (byte)'?');
        bytes[index] = 0xC3;
        bytes[index + 1] = 0x28;
        var exception = Assert.Throws<SipParseException>(() => SipMessageParser.Parse(bytes));
        Assert.Equal(SipParseError.InvalidEncoding, exception.Error);
    }

    [Fact]
    public void Empty_and_unterminated_messages_are_rejected()
    {
        Assert.Equal(SipParseError.EmptyMessage, Reject("").Error);
        Assert.Equal(SipParseError.EmptyMessage, Reject("\r\n\r\n").Error);
        Assert.Equal(SipParseError.MissingHeaderTerminator, Reject(Invite().TrimEnd('\r', '\n')).Error);
    }

    [Fact]
    public void Reason_phrases_are_safe_for_a_status_line()
    {
        var exception = new SipParseException(SipParseError.MalformedHeader, "bad\r\nVia: x\u0001é");

        Assert.DoesNotContain('\r', exception.ReasonPhrase);
        Assert.DoesNotContain('\n', exception.ReasonPhrase);
        Assert.All(exception.ReasonPhrase, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public void Utf8_display_names_and_reason_phrases_survive()
    {
        var request = Parse(Invite().Replace("To: Bob", "To: \"Bøb 中\"", StringComparison.Ordinal));

        Assert.Equal("Bøb 中", request.To!.DisplayName);
    }
}
