using System.Net;
using System.Net.Sockets;
using System.Text;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Gateway.Tests.Sip.Support;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Sip;

/// <summary>Real sockets on 127.0.0.1 with system-chosen ports and the system clock. Waits are failure guards only.</summary>
public sealed class LoopbackTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task Two_user_agents_call_answer_and_hang_up_over_real_sockets(SipTransportProtocol protocol)
    {
        await using var gateway = await StartAgentAsync();
        await using var phone = await StartAgentAsync();
        var incoming = new TaskCompletionSource<IncomingCall>(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.OnIncomingCall = async call =>
        {
            call.Ring();
            await call.AnswerAsync(TestSdp.Answer(call.Offer!));
            incoming.TrySetResult(call);
        };
        var destination = protocol == SipTransportProtocol.Udp ? gateway.UdpEndPoint : gateway.TcpEndPoint;
        var target = new SipUri { User = "queue-sales", Host = "127.0.0.1", Port = destination.Port };

        var call = phone.Invite(new OutgoingCallRequest(
            protocol == SipTransportProtocol.Tcp ? target.WithParameter("transport", "tcp") : target, destination, protocol, "agent1", "Agent One", TestSdp.Offer()));
        var result = await call.Result.WaitAsync(Guard);
        var gatewayCall = await incoming.Task.WaitAsync(Guard);
        Assert.True(result.IsAnswered);

        await call.HangupAsync().WaitAsync(Guard);
        var end = await gatewayCall.Ended.WaitAsync(Guard);

        Assert.Equal(SipCallEndReason.RemoteHangup, end.Reason);
        Assert.Equal(protocol, gatewayCall.Protocol);
        Assert.Equal(0, gateway.Counters.Dialogs);
        Assert.Equal(0, phone.Counters.Dialogs);
    }

    [Fact]
    public async Task A_raw_udp_phone_registers_with_rport_and_is_found_at_its_source()
    {
        await using var gateway = await StartAgentAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;

        var challenge = await ExchangeAsync(socket, gateway.UdpEndPoint, Register(local, 1, null));
        Assert.Equal(401, challenge.StatusCode);
        Assert.Equal(local.Port, challenge.TopVia!.Rport);
        var ok = await ExchangeAsync(socket, gateway.UdpEndPoint, Register(local, 2, challenge));

        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(local, gateway.Registrar.Lookup("agent1")!.Source);
    }

    [Fact]
    public async Task Malformed_datagrams_get_400_with_a_reason_and_the_agent_keeps_working()
    {
        await using var gateway = await StartAgentAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;

        // A routable request (Via present) whose CSeq method is not its method: answered with 400 and the reason.
        var broken = $"OPTIONS sip:gw@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bKbad1;rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:gw@127.0.0.1>\r\nCall-ID: bad1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
        var response = await ExchangeRawAsync(socket, gateway.UdpEndPoint, Encoding.ASCII.GetBytes(broken));
        Assert.Equal(400, response.StatusCode);
        Assert.Equal("CSeq method does not match request", response.ReasonPhrase);

        // Pure garbage: dropped without an answer.
        await socket.SendToAsync(new byte[] { 0xde, 0xad, 0xbe, 0xef }, gateway.UdpEndPoint);

        var options = new SipRequest(SipMethods.Options, SipUri.Parse($"sip:gw@127.0.0.1:{gateway.UdpEndPoint.Port}"));
        AddRequestHeaders(options, local, 1, "ok1");
        var ok = await ExchangeAsync(socket, gateway.UdpEndPoint, options);
        Assert.Equal(200, ok.StatusCode);
        Assert.Contains("INVITE", ok.Headers.Get(SipHeaderNames.Allow));
        Assert.Equal("application/sdp", ok.Headers.Get(SipHeaderNames.Accept));
        await WaitForAsync(() => gateway.Counters.MalformedDropped == 2);
    }

    [Fact]
    public async Task An_invite_with_unreadable_sdp_or_no_contact_gets_400_and_creates_no_call()
    {
        await using var gateway = await StartAgentAsync();
        gateway.OnIncomingCall = _ => throw new InvalidOperationException("no call may get here");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;

        var badSdp = new SipRequest(SipMethods.Invite, SipUri.Parse($"sip:q@127.0.0.1:{gateway.UdpEndPoint.Port}"));
        AddRequestHeaders(badSdp, local, 1, "inv1");
        badSdp.Headers.Add(SipHeaderNames.Contact, $"<sip:x@127.0.0.1:{local.Port}>");
        badSdp.SetBody("this is not sdp"u8.ToArray(), "application/sdp");
        var noContact = new SipRequest(SipMethods.Invite, SipUri.Parse($"sip:q@127.0.0.1:{gateway.UdpEndPoint.Port}"));
        AddRequestHeaders(noContact, local, 1, "inv2");

        Assert.Equal(400, (await ExchangeAsync(socket, gateway.UdpEndPoint, badSdp)).StatusCode);
        Assert.Equal(400, (await ExchangeAsync(socket, gateway.UdpEndPoint, noContact)).StatusCode);
        Assert.Equal(0, gateway.Counters.IncomingCalls);
        Assert.Equal(0, gateway.Counters.Dialogs);
    }

    [Fact]
    public async Task An_invite_with_a_malformed_contact_gets_400_with_the_parse_reason()
    {
        await using var gateway = await StartAgentAsync();
        gateway.OnIncomingCall = _ => throw new InvalidOperationException("no call may get here");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var invite = new SipRequest(SipMethods.Invite, SipUri.Parse($"sip:q@127.0.0.1:{gateway.UdpEndPoint.Port}"));
        AddRequestHeaders(invite, (IPEndPoint)socket.LocalEndPoint!, 1, "badcontact");
        invite.Headers.Add(SipHeaderNames.Contact, "<sip:broken@>;;;");

        var response = await ExchangeAsync(socket, gateway.UdpEndPoint, invite);

        Assert.Equal(400, response.StatusCode);
        Assert.NotEqual(SipStatusCodes.DefaultReasonPhrase(400), response.ReasonPhrase);
        Assert.Equal(0, gateway.Counters.IncomingCalls);
    }

    [Fact]
    public async Task A_bye_for_an_unknown_dialog_gets_481()
    {
        await using var gateway = await StartAgentAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var bye = new SipRequest(SipMethods.Bye, SipUri.Parse($"sip:q@127.0.0.1:{gateway.UdpEndPoint.Port}"));
        AddRequestHeaders(bye, (IPEndPoint)socket.LocalEndPoint!, 5, "nodialog", toTag: "gone");

        Assert.Equal(481, (await ExchangeAsync(socket, gateway.UdpEndPoint, bye)).StatusCode);
    }

    [Fact]
    public void Options_validation_lists_every_problem()
    {
        var options = new SipUserAgentOptions { ListenAddress = "0.0.0.0", Port = 70000, Udp = false, Tcp = false, MinExpiresSeconds = 0, ProvisionalAfter = TimeSpan.FromSeconds(1) };

        var errors = options.Validate();

        Assert.Equal(5, errors.Count);
        Assert.Empty(new SipUserAgentOptions().Validate());
        Assert.Throws<ArgumentException>(() => new SipUserAgent(options, new TestCredentials(), TimeProvider.System, NullLoggerFactory.Instance));
    }

    private static async Task<SipUserAgent> StartAgentAsync()
    {
        var agent = new SipUserAgent(new SipUserAgentOptions { Port = 0 }, new TestCredentials(("agent1", "secret1")), TimeProvider.System, NullLoggerFactory.Instance);
        await agent.StartAsync(CancellationToken.None);
        return agent;
    }

    private static SipRequest Register(IPEndPoint local, int sequence, SipResponse? challenge)
    {
        var register = new SipRequest(SipMethods.Register, SipUri.Parse("sip:127.0.0.1"));
        AddRequestHeaders(register, local, sequence, "reg-1", user: "agent1");
        register.Headers.Add(SipHeaderNames.Contact, $"<sip:agent1-0xabc@127.0.0.1:{local.Port}>;expires=600");
        if (challenge is not null)
        {
            DigestClient.Authorize(register, challenge, "agent1", "secret1", "abcdef");
        }

        return register;
    }

    private static void AddRequestHeaders(SipRequest request, IPEndPoint local, int sequence, string callId, string user = "caller", string? toTag = null)
    {
        request.Headers.Add(SipHeaderNames.Via, $"SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bK{Guid.NewGuid():N};rport");
        request.Headers.Add(SipHeaderNames.MaxForwards, "70");
        request.Headers.Add(SipHeaderNames.From, $"<sip:{user}@127.0.0.1>;tag=f{sequence}");
        request.Headers.Add(SipHeaderNames.To, toTag is null ? $"<sip:{user}@127.0.0.1>" : $"<sip:{user}@127.0.0.1>;tag={toTag}");
        request.CallId = callId;
        request.CSeq = new SipCSeq(sequence, request.Method);
    }

    private static Task<SipResponse> ExchangeAsync(Socket socket, IPEndPoint to, SipRequest request) =>
        ExchangeRawAsync(socket, to, SipMessageWriter.Write(request));

    /// <summary>Sends a datagram and returns the first final response (skipping 100 Trying).</summary>
    private static async Task<SipResponse> ExchangeRawAsync(Socket socket, IPEndPoint to, byte[] bytes)
    {
        await socket.SendToAsync(bytes, to);
        var buffer = new byte[65_535];
        using var timeout = new CancellationTokenSource(Guard);
        while (true)
        {
            var received = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            var response = (SipResponse)SipMessageParser.Parse(buffer.AsSpan(0, received.ReceivedBytes), SipFraming.Datagram);
            if (response.IsFinal)
            {
                return response;
            }
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not come true in time.");
            await Task.Delay(10);
        }
    }
}
