using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;

namespace CallCenter.Telephony.Sip.Tests.Messages;

public sealed class SipHeaderValueTests
{
    [Fact]
    public void Name_addr_with_quoted_display_name_and_tag()
    {
        var address = SipNameAddress.Parse("\"Bob \\\"the\\\" Builder\" <sip:bob@biloxi.com;transport=udp>;tag=a6c85cf");

        Assert.Equal("Bob \"the\" Builder", address.DisplayName);
        Assert.Equal("bob", address.Uri.User);
        Assert.Equal("udp", address.Uri.Transport);
        Assert.Equal("a6c85cf", address.Tag);
    }

    [Fact]
    public void Name_addr_with_token_display_name()
    {
        var address = SipNameAddress.Parse("Anonymous Caller <sip:c8oqz84zk7z@privacy.org>;tag=hyh8");

        Assert.Equal("Anonymous Caller", address.DisplayName);
        Assert.Equal("hyh8", address.Tag);
    }

    [Fact]
    public void Addr_spec_parameters_belong_to_the_header_not_the_uri()
    {
        var address = SipNameAddress.Parse("sip:alice@atlanta.com;tag=1928301774");

        Assert.Null(address.DisplayName);
        Assert.Equal(SipParameters.Empty, address.Uri.Parameters);
        Assert.Equal("1928301774", address.Tag);
    }

    [Theory]
    [InlineData("<sip:alice@atlanta.com")]
    [InlineData("\"unterminated <sip:alice@atlanta.com>")]
    [InlineData("<sip:alice@atlanta.com>;")]
    [InlineData("<sip:alice@atlanta.com> junk")]
    [InlineData("Bad@Name <sip:alice@atlanta.com>")]
    public void Malformed_addresses_are_rejected(string value)
    {
        var exception = Assert.Throws<SipParseException>(() => SipNameAddress.Parse(value, "To"));

        Assert.Equal(SipParseError.InvalidHeaderValue, exception.Error);
    }

    [Fact]
    public void Via_with_branch_received_and_empty_rport()
    {
        var via = SipVia.Parse("SIP/2.0/UDP 192.0.2.4:5062;branch=z9hG4bK776asdhds;received=198.51.100.7;rport");

        Assert.Equal("UDP", via.Transport);
        Assert.Equal("192.0.2.4", via.Host);
        Assert.Equal(5062, via.Port);
        Assert.Equal("z9hG4bK776asdhds", via.Branch);
        Assert.True(via.HasRfc3261Branch);
        Assert.Equal("198.51.100.7", via.Received);
        Assert.True(via.HasRport);
        Assert.Null(via.Rport);
    }

    [Fact]
    public void Via_allows_whitespace_around_slashes_and_semicolons()
    {
        var via = SipVia.Parse("SIP / 2.0 / tcp   pc33.atlanta.com ; branch = z9hG4bKnashds8 ; rport=5066");

        Assert.Equal("TCP", via.Transport);
        Assert.Equal("pc33.atlanta.com", via.Host);
        Assert.Null(via.Port);
        Assert.Equal(5060, via.EffectivePort);
        Assert.Equal("z9hG4bKnashds8", via.Branch);
        Assert.Equal(5066, via.Rport);
    }

    [Theory]
    [InlineData("SIP/2.0 host")]
    [InlineData("SIP/3.0/UDP host")]
    [InlineData("SIP/2.0/UDP")]
    [InlineData("SIP/2.0/UDP host:70000")]
    [InlineData("SIP/2.0/UDP host;=x")]
    public void Malformed_vias_are_rejected(string value)
    {
        var exception = Assert.Throws<SipParseException>(() => SipVia.Parse(value));

        Assert.Equal(SipParseError.InvalidHeaderValue, exception.Error);
    }

    [Theory]
    [InlineData("1 INVITE", 1, "INVITE")]
    [InlineData("  4711   BYE ", 4711, "BYE")]
    [InlineData("2147483647 ACK", 2147483647, "ACK")]
    public void CSeq_parses(string value, long number, string method)
    {
        Assert.Equal(new SipCSeq(number, method), SipCSeq.Parse(value));
    }

    [Theory]
    [InlineData("INVITE")]
    [InlineData("2147483648 INVITE")]
    [InlineData("-1 INVITE")]
    [InlineData("1")]
    [InlineData("1 IN VITE")]
    public void Invalid_CSeq_is_rejected(string value)
    {
        Assert.Throws<SipParseException>(() => SipCSeq.Parse(value));
    }

    [Fact]
    public void List_values_split_outside_quotes_and_angle_brackets()
    {
        var values = SipHeaderList.Split("\"Doe, John\" <sip:j@a.com;x=1,2>;q=0.7, <sip:b@b.com>,sip:c@c.com");

        Assert.Equal(["\"Doe, John\" <sip:j@a.com;x=1,2>;q=0.7", "<sip:b@b.com>", "sip:c@c.com"], values);
    }

    [Fact]
    public void Written_name_addr_parses_back_to_itself()
    {
        FuzzSettings.Check(SipGenerators.NameAddress, address => SipNameAddress.Parse(address.ToString()).Equals(address));
    }

    [Fact]
    public void Written_via_parses_back_to_itself()
    {
        FuzzSettings.Check(SipGenerators.Via, via => SipVia.Parse(via.ToString()).Equals(via));
    }

    [Fact]
    public void Header_collection_refuses_values_that_would_break_framing()
    {
        var headers = new SipHeaderCollection();

        Assert.Throws<ArgumentException>(() => headers.Add("X-Evil", "a\r\nVia: injected"));
        Assert.Throws<ArgumentException>(() => headers.Add("Bad Name", "x"));
    }

    [Fact]
    public void Header_lookup_is_case_insensitive_and_knows_compact_forms()
    {
        var headers = new SipHeaderCollection();
        headers.Add("v", "SIP/2.0/UDP a");
        headers.Add("call-id", "abc");

        Assert.Equal("SIP/2.0/UDP a", headers.Get("VIA"));
        Assert.Equal("abc", headers.Get("i"));
        Assert.Equal(SipHeaderNames.Via, headers[0].Name);
        Assert.Equal(SipHeaderNames.CallId, headers[1].Name);
    }
}
