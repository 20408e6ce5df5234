using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;

namespace CallCenter.Telephony.Sip.Tests.Messages;

public sealed class SipUriTests
{
    [Fact]
    public void Parses_user_host_port_parameters_and_headers()
    {
        var uri = SipUri.Parse("sip:alice:secret@atlanta.com:5070;transport=tcp;lr?subject=project%20x&priority=urgent");

        Assert.Equal(SipUriScheme.Sip, uri.Scheme);
        Assert.Equal("alice", uri.User);
        Assert.Equal("secret", uri.Password);
        Assert.Equal("atlanta.com", uri.Host);
        Assert.Equal(5070, uri.Port);
        Assert.Equal("tcp", uri.Transport);
        Assert.True(uri.IsLooseRouter);
        Assert.Equal("project x", uri.GetHeader("Subject"));
        Assert.Equal("urgent", uri.GetHeader("priority"));
    }

    [Fact]
    public void Telephone_subscriber_in_user_part_keeps_its_semicolons()
    {
        var uri = SipUri.Parse("sip:+1-212-555-1212;npdi@gateway.com;user=phone");

        Assert.Equal("+1-212-555-1212;npdi", uri.User);
        Assert.Equal("gateway.com", uri.Host);
        Assert.Equal("phone", uri.Parameters.Get("user"));
    }

    [Fact]
    public void Parses_sips_with_ipv6_host_and_default_port()
    {
        var uri = SipUri.Parse("sips:[2001:db8::10]");

        Assert.True(uri.IsSecure);
        Assert.Equal("[2001:db8::10]", uri.Host);
        Assert.Null(uri.Port);
        Assert.Equal(SipUri.DefaultSipsPort, uri.EffectivePort);
    }

    [Fact]
    public void Parses_tel_uri_with_parameters()
    {
        var uri = SipUri.Parse("tel:7042;phone-context=example.com");

        Assert.Equal(SipUriScheme.Tel, uri.Scheme);
        Assert.Equal("7042", uri.User);
        Assert.Equal("example.com", uri.Parameters.Get("phone-context"));
        Assert.Equal("tel:7042;phone-context=example.com", uri.ToString());
    }

    [Fact]
    public void Unknown_scheme_is_reported_as_unsupported()
    {
        var exception = Assert.Throws<SipParseException>(() => SipUri.Parse("mailto:alice@example.com"));

        Assert.Equal(SipParseError.UnsupportedUriScheme, exception.Error);
        Assert.Equal(SipStatusCodes.UnsupportedUriScheme, exception.SuggestedStatusCode);
    }

    [Theory]
    [InlineData("sip:")]
    [InlineData("sip:@host")]
    [InlineData("sip:alice@")]
    [InlineData("sip:alice@host:99999")]
    [InlineData("sip:alice@host:port")]
    [InlineData("sip:alice@ho st")]
    [InlineData("sip:al%2@host")]
    [InlineData("sip:alice@[::1")]
    [InlineData("sip:alice@host;")]
    [InlineData("sip:alice@host?")]
    [InlineData("tel:")]
    [InlineData("tel:12x4")]
    [InlineData("nocolon")]
    public void Malformed_uris_are_rejected(string text)
    {
        var exception = Assert.Throws<SipParseException>(() => SipUri.Parse(text));

        Assert.Equal(SipParseError.InvalidUri, exception.Error);
    }

    [Fact]
    public void Equivalence_ignores_host_case_and_unescapes_user()
    {
        var left = SipUri.Parse("sip:%61lice@AtLanTa.CoM;transport=TCP");
        var right = SipUri.Parse("sip:alice@atlanta.com;transport=tcp");

        Assert.True(left.IsEquivalentTo(right));
        Assert.False(left.IsEquivalentTo(SipUri.Parse("sip:alice@atlanta.com")));
    }

    [Fact]
    public void Written_uri_parses_back_to_itself()
    {
        FuzzSettings.Check(SipGenerators.AnyUri, uri => SipUri.Parse(uri.ToString()).Equals(uri));
    }
}
