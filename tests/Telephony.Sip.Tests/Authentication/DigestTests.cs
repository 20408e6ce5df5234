using System.Text;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Authentication;

public sealed class DigestTests
{
    private const string Realm = "callcenter.test";
    private const string User = "agent1";
    private const string Password = "s3cret";
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DigestServer Server(TimeSpan? lifetime = null) =>
        new(new DigestServerOptions { Realm = Realm, NonceKey = Key, NonceLifetime = lifetime ?? DigestServerOptions.DefaultNonceLifetime }, _time);

    private static string? FindHa1(string user) => user == User ? DigestCalculator.ComputeHa1(User, Realm, Password) : null;

    private static SipRequest Register() =>
        SipMessageParser.ParseRequest(Encoding.UTF8.GetBytes(
            "REGISTER sip:callcenter.test SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKreg1;rport\r\n" +
            "From: <sip:agent1@callcenter.test>;tag=r1\r\n" +
            "To: <sip:agent1@callcenter.test>\r\n" +
            "Call-ID: reg-1@127.0.0.1\r\n" +
            "CSeq: 1 REGISTER\r\n" +
            "Contact: <sip:agent1@127.0.0.1:5070>\r\n" +
            "Content-Length: 0\r\n\r\n"));

    [Fact]
    public void Rfc2617_worked_example()
    {
        var ha1 = DigestCalculator.ComputeHa1("Mufasa", "testrealm@host.com", "Circle Of Life");

        var response = DigestCalculator.ComputeResponse(ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html", "auth", "00000001", "0a4f113b");

        Assert.Equal("6629fae49393a05397450978507c4ef1", response);
    }

    [Fact]
    public void Rfc7616_md5_worked_example()
    {
        var ha1 = DigestCalculator.ComputeHa1("Mufasa", "http-auth@example.org", "Circle of Life");

        var response = DigestCalculator.ComputeResponse(
            ha1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "GET", "/dir/index.html", "auth", "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");

        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", response);
    }

    [Fact]
    public void Rfc2617_example_authorization_header_parses_and_round_trips()
    {
        const string header =
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", " +
            "uri=\"/dir/index.html\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", " +
            "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

        var credentials = DigestCredentials.Parse(header);

        Assert.Equal("Mufasa", credentials.UserName);
        Assert.Equal("auth", credentials.Qop);
        Assert.Equal("00000001", credentials.NonceCount);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", credentials.Opaque);
        Assert.Equal(credentials, DigestCredentials.Parse(credentials.ToString()));
    }

    [Fact]
    public void Challenge_round_trips_and_carries_qop_and_stale()
    {
        var challenge = Server().CreateChallenge(stale: true);

        var parsed = DigestChallenge.Parse(challenge.ToString());

        Assert.Equal(challenge.Nonce, parsed.Nonce);
        Assert.True(parsed.Stale);
        Assert.Equal(["auth"], parsed.Qop);
        Assert.Contains("qop=\"auth\"", challenge.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Client_answer_to_server_challenge_is_authorized()
    {
        var server = Server();
        var request = Register();
        var challengeResponse = server.CreateChallengeResponse(request, toTag: "t1");

        Assert.Equal(SipStatusCodes.Unauthorized, challengeResponse.StatusCode);
        Assert.Equal(new DigestVerification(DigestVerdict.Missing), server.Verify(request, FindHa1));

        DigestClient.Authorize(request, challengeResponse, User, Password, cnonce: "c0ffee");

        Assert.Equal(new DigestVerification(DigestVerdict.Authorized, User), server.Verify(request, FindHa1));
    }

    [Fact]
    public void Proxy_challenge_uses_407_and_proxy_headers()
    {
        var server = Server();
        var request = Register();
        var challengeResponse = server.CreateChallengeResponse(request, "t1", asProxy: true);

        DigestClient.Authorize(request, challengeResponse, User, Password, "abc");

        Assert.Equal(SipStatusCodes.ProxyAuthenticationRequired, challengeResponse.StatusCode);
        Assert.NotNull(request.Headers.Get(SipHeaderNames.ProxyAuthorization));
        Assert.Equal(DigestVerdict.Authorized, server.Verify(request, FindHa1, asProxy: true).Verdict);
    }

    [Fact]
    public void Wrong_password_unknown_user_and_forged_nonce_are_rejected()
    {
        var server = Server();
        var challenge = server.CreateChallenge();
        var uri = "sip:callcenter.test";

        DigestVerdict VerdictFor(DigestCredentials credentials) => server.Verify(credentials, SipMethods.Register, SipUri.Parse(uri), FindHa1).Verdict;

        Assert.Equal(DigestVerdict.Rejected, VerdictFor(DigestClient.Answer(challenge, SipMethods.Register, uri, User, "wrong", "c")));
        Assert.Equal(DigestVerdict.Rejected, VerdictFor(DigestClient.Answer(challenge, SipMethods.Register, uri, "mallory", Password, "c")));
        var forged = challenge with { Nonce = Convert.ToBase64String(new byte[32]) };
        Assert.Equal(DigestVerdict.Rejected, VerdictFor(DigestClient.Answer(forged, SipMethods.Register, uri, User, Password, "c")));
        var otherServer = new DigestServer(new DigestServerOptions { Realm = Realm, NonceKey = new byte[32] }, _time);
        Assert.Equal(DigestVerdict.Rejected, VerdictFor(DigestClient.Answer(otherServer.CreateChallenge(), SipMethods.Register, uri, User, Password, "c")));
    }

    [Fact]
    public void Credentials_for_another_method_or_uri_do_not_verify()
    {
        var server = Server();
        var credentials = DigestClient.Answer(server.CreateChallenge(), SipMethods.Invite, "sip:callcenter.test", User, Password, "c");

        Assert.Equal(DigestVerdict.Rejected, server.Verify(credentials, SipMethods.Register, SipUri.Parse("sip:callcenter.test"), FindHa1).Verdict);
        Assert.Equal(DigestVerdict.Rejected, server.Verify(credentials, SipMethods.Invite, SipUri.Parse("sip:other.test"), FindHa1).Verdict);
    }

    [Fact]
    public void Expired_nonce_with_right_password_is_stale_and_with_wrong_password_is_rejected()
    {
        var server = Server(TimeSpan.FromMinutes(1));
        var challenge = server.CreateChallenge();
        var uri = SipUri.Parse("sip:callcenter.test");
        var right = DigestClient.Answer(challenge, SipMethods.Register, uri.ToString(), User, Password, "c");
        var wrong = DigestClient.Answer(challenge, SipMethods.Register, uri.ToString(), User, "nope", "c");

        _time.Run(TimeSpan.FromSeconds(59));
        Assert.Equal(DigestVerdict.Authorized, server.Verify(right, SipMethods.Register, uri, FindHa1).Verdict);

        _time.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(DigestVerdict.Stale, server.Verify(right, SipMethods.Register, uri, FindHa1).Verdict);
        Assert.Equal(DigestVerdict.Rejected, server.Verify(wrong, SipMethods.Register, uri, FindHa1).Verdict);
    }

    [Fact]
    public void Legacy_answer_without_qop_is_accepted_and_unknown_algorithms_are_not()
    {
        var server = Server();
        var challenge = server.CreateChallenge() with { Qop = [] };
        var uri = SipUri.Parse("sip:callcenter.test");
        var legacy = DigestClient.Answer(challenge, SipMethods.Register, uri.ToString(), User, Password, "unused");

        Assert.Null(legacy.Qop);
        Assert.Equal(DigestVerdict.Authorized, server.Verify(legacy, SipMethods.Register, uri, FindHa1).Verdict);
        Assert.Equal(DigestVerdict.Rejected, server.Verify(legacy with { Algorithm = "SHA-512-256" }, SipMethods.Register, uri, FindHa1).Verdict);
        Assert.Equal(DigestVerdict.Rejected, server.Verify(legacy with { Qop = "auth" }, SipMethods.Register, uri, FindHa1).Verdict);
    }

    [Fact]
    public void Malformed_authorization_is_reported()
    {
        var request = Register();
        request.Headers.Add(SipHeaderNames.Authorization, "Digest username=\"unterminated");

        Assert.Equal(DigestVerdict.Malformed, Server().Verify(request, FindHa1).Verdict);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Digest")]
    [InlineData("Digest realm")]
    [InlineData("Digest realm=\"a\", realm=\"b\", nonce=\"n\"")]
    [InlineData("Digest nonce=\"n\"")]
    [InlineData("Digest realm=a b, nonce=n")]
    public void Malformed_challenges_are_parse_errors(string value)
    {
        Assert.Throws<SipParseException>(() => DigestChallenge.Parse(value));
    }

    [Fact]
    public void Random_authorization_values_never_throw_anything_but_parse_errors()
    {
        FuzzSettings.Check(SipGenerators.StringOf("Digest usernamrealmnoc=\", \\abc", 0, 80), value =>
        {
            try
            {
                DigestCredentials.Parse(value);
            }
            catch (SipParseException)
            {
            }

            return true;
        });
    }
}
