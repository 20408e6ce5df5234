using System.Net;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Gateway.Tests.Sip.Support;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Tests.Sip;

/// <summary>REGISTER against the gateway from a raw phone on the in-memory network (RFC 3261 §10.3, §22).</summary>
public sealed class RegistrarTests
{
    [Fact]
    public async Task Register_is_challenged_then_accepted_with_contact_and_expires()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);
        var registered = new List<Registration>();
        pair.Gateway.Registrar.Registered += registered.Add;

        var challenge = phone.Send(phone.Register(expires: 600));
        Assert.Equal(401, challenge.StatusCode);
        Assert.Contains("realm=\"callcenter\"", challenge.Headers.Get(SipHeaderNames.WwwAuthenticate));

        var ok = phone.Send(phone.Register(expires: 600, challenge: challenge));

        Assert.Equal(200, ok.StatusCode);
        var contact = Assert.Single(ok.Contacts);
        Assert.Equal("agent1-0x1234", contact.Uri.User);
        Assert.Equal("600", contact.Parameters.Get("expires"));
        var registration = pair.Gateway.Registrar.Lookup("agent1");
        Assert.NotNull(registration);
        Assert.Equal(phone.EndPoint, registration.Source);
        Assert.Equal(SipUri.Parse("sip:agent1-0x1234@192.0.2.10:5060"), registration.Contact);
        Assert.Equal(pair.Clock.GetUtcNow().AddSeconds(600), registration.ExpiresAt);
        Assert.Equal([registration], registered);
        Assert.Single(pair.Gateway.Registrar.All);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_are_forbidden_and_bind_nothing()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);
        var challenge = phone.Send(phone.Register(expires: 600));

        var wrong = phone.Send(phone.Register(expires: 600, challenge: challenge, password: "guess"));
        var stranger = new RawPhone(pair, user: "intruder");
        var strangerChallenge = stranger.Send(stranger.Register(expires: 600));
        var unknown = stranger.Send(stranger.Register(expires: 600, challenge: strangerChallenge));

        Assert.Equal(403, wrong.StatusCode);
        Assert.Equal(403, unknown.StatusCode);
        Assert.Empty(pair.Gateway.Registrar.All);
        Assert.Equal(4, pair.Gateway.Counters.ClientErrorsSent);
    }

    [Fact]
    public async Task A_binding_expires_on_its_own_and_raises_unregistered()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);
        var unregistered = new List<string>();
        pair.Gateway.Registrar.Unregistered += unregistered.Add;
        phone.Send(phone.Register(expires: 60, challenge: phone.Send(phone.Register(expires: 60))));
        Assert.NotNull(pair.Gateway.Registrar.Lookup("agent1"));

        pair.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(pair.Gateway.Registrar.Lookup("agent1"));
        pair.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(pair.Gateway.Registrar.Lookup("agent1"));
        Assert.Equal(["agent1"], unregistered);
    }

    [Fact]
    public async Task A_refresh_restarts_the_expiry()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);
        phone.Send(phone.Register(expires: 60, challenge: phone.Send(phone.Register(expires: 60))));
        pair.Clock.Advance(TimeSpan.FromSeconds(50));
        phone.Send(phone.Register(expires: 60, challenge: phone.Send(phone.Register(expires: 60))));

        pair.Clock.Advance(TimeSpan.FromSeconds(50));

        Assert.NotNull(pair.Gateway.Registrar.Lookup("agent1"));
    }

    [Fact]
    public async Task Too_brief_an_interval_gets_423_with_min_expires_and_too_long_is_shortened()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);

        var tooBrief = phone.Send(phone.Register(expires: 30, challenge: phone.Send(phone.Register(expires: 30))));
        Assert.Equal(423, tooBrief.StatusCode);
        Assert.Equal("60", tooBrief.Headers.Get("Min-Expires"));
        Assert.Empty(pair.Gateway.Registrar.All);

        var ok = phone.Send(phone.Register(expires: 86400, challenge: phone.Send(phone.Register(expires: 86400))));
        Assert.Equal("3600", ok.Contacts[0].Parameters.Get("expires"));
    }

    [Fact]
    public async Task Expires_zero_and_the_wildcard_remove_the_binding()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);
        phone.Send(phone.Register(expires: 600, challenge: phone.Send(phone.Register(expires: 600))));

        var removed = phone.Send(phone.Register(expires: 0, challenge: phone.Send(phone.Register(expires: 0))));
        Assert.Equal(200, removed.StatusCode);
        Assert.Null(pair.Gateway.Registrar.Lookup("agent1"));

        phone.Send(phone.Register(expires: 600, challenge: phone.Send(phone.Register(expires: 600))));
        var wildcard = phone.Send(phone.Register(expires: 0, challenge: phone.Send(phone.Register(expires: 0, wildcard: true)), wildcard: true));
        Assert.Equal(200, wildcard.StatusCode);
        Assert.Empty(pair.Gateway.Registrar.All);

        var badWildcard = phone.Send(phone.Register(expires: 600, challenge: phone.Send(phone.Register(expires: 600, wildcard: true)), wildcard: true));
        Assert.Equal(400, badWildcard.StatusCode);
    }

    [Fact]
    public async Task An_old_nonce_with_the_right_password_is_challenged_again_as_stale()
    {
        await using var pair = await AgentPair.StartAsync();
        var phone = new RawPhone(pair);
        var challenge = phone.Send(phone.Register(expires: 600));
        pair.Clock.Advance(TimeSpan.FromMinutes(6));

        var stale = phone.Send(phone.Register(expires: 600, challenge: challenge));

        Assert.Equal(401, stale.StatusCode);
        Assert.Contains("stale=TRUE", stale.Headers.Get(SipHeaderNames.WwwAuthenticate));
        Assert.Equal(200, phone.Send(phone.Register(expires: 600, challenge: stale)).StatusCode);
    }

    [Fact]
    public async Task Gateway_calls_a_registered_phone_at_its_contact_through_its_source()
    {
        await using var pair = await AgentPair.StartAsync();
        CallTests.AnswerEveryCall(pair.Phone, ring: false);

        // The phone registers a contact whose user is not the AOR user (as baresip does) from its own port.
        var phoneEndPoint = pair.Phone.UdpEndPoint;
        var raw = new RawPhone(pair, contactHost: $"127.0.0.1:{phoneEndPoint.Port}");
        raw.Send(raw.Register(expires: 600, challenge: raw.Send(raw.Register(expires: 600))));
        var registration = pair.Gateway.Registrar.Lookup("agent1")!;

        var call = pair.Gateway.Invite(new OutgoingCallRequest(registration.Contact, phoneEndPoint, registration.Transport, "gateway", null, TestSdp.Offer()));
        var result = await pair.Network.PumpUntilAsync(call.Result);

        Assert.True(result.IsAnswered);
        var invite = pair.Network.RequestsTo(phoneEndPoint).First(r => r.Method == SipMethods.Invite);
        Assert.Equal("agent1-0x1234", invite.RequestUri.User);
    }

    /// <summary>A phone that speaks raw SIP through its own transport, synchronously over the in-memory network.</summary>
    private sealed class RawPhone
    {
        private readonly AgentPair _pair;
        private readonly InMemorySipNetwork.MemoryTransport _transport;
        private readonly string _user;
        private readonly string _contactHost;
        private readonly string _callId = Guid.NewGuid().ToString("N");
        private int _sequence;

        public RawPhone(AgentPair pair, string user = "agent1", string contactHost = "192.0.2.10:5060")
        {
            _pair = pair;
            _user = user;
            _contactHost = contactHost;
            _transport = pair.Network.CreateTransport(SipTransportProtocol.Udp);
        }

        public IPEndPoint EndPoint => _transport.LocalEndPoint;

        public SipRequest Register(int expires, SipResponse? challenge = null, string password = "secret1", bool wildcard = false)
        {
            var register = new SipRequest(SipMethods.Register, SipUri.Parse("sip:127.0.0.1"));
            register.Headers.Add(SipHeaderNames.Via, SipTransactionLayer.CreateVia(_transport).ToString());
            register.Headers.Add(SipHeaderNames.MaxForwards, "70");
            register.Headers.Add(SipHeaderNames.From, $"<sip:{_user}@127.0.0.1>;tag=ph{_sequence}");
            register.Headers.Add(SipHeaderNames.To, $"<sip:{_user}@127.0.0.1>");
            register.CallId = _callId;
            register.CSeq = new SipCSeq(++_sequence, SipMethods.Register);
            register.Headers.Add(SipHeaderNames.Contact, wildcard ? "*" : $"<sip:{_user}-0x1234@{_contactHost}>");
            register.Headers.Add(SipHeaderNames.Expires, expires.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (challenge is not null)
            {
                DigestClient.Authorize(register, challenge, _user, password, "c0ffee");
            }

            return register;
        }

        public SipResponse Send(SipRequest request)
        {
            var before = _pair.Network.ResponsesTo(EndPoint).Count();
            _pair.Network.Inject(_transport, _pair.Gateway.UdpEndPoint, SipMessageWriter.Write(request));
            _pair.Network.Pump();
            return _pair.Network.ResponsesTo(EndPoint).Skip(before).Last(r => r.IsFinal);
        }
    }
}
