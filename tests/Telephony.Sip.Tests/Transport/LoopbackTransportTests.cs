using System.Net;
using System.Net.Sockets;
using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Transport;

/// <summary>Real sockets on 127.0.0.1 with system-chosen ports. Waits are failure guards, not speed checks.</summary>
public sealed class LoopbackTransportTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    /// <summary>Timers never advance, so nothing is retransmitted and each exchange is exactly what the test sends.</summary>
    private readonly FakeTimeProvider _frozenClock = new();

    private sealed class AnsweringUser(int status) : ISipTransactionUser
    {
        public TaskCompletionSource<SipServerTransaction> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnRequest(SipServerTransaction transaction)
        {
            transaction.SendResponse(transaction.CreateResponse(status));
            Received.TrySetResult(transaction);
        }
    }

    private sealed class AwaitingClient : ISipClientTransactionUser
    {
        public TaskCompletionSource<SipResponse> Final { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnResponse(SipClientTransaction transaction, SipResponse response)
        {
            if (response.IsFinal)
            {
                Final.TrySetResult(response);
            }
        }

        public void OnTimeout(SipClientTransaction transaction) => Final.TrySetException(new TimeoutException());

        public void OnTransportError(SipClientTransaction transaction) => Final.TrySetException(new IOException("transport error"));
    }

    private static SipRequest Options(ISipTransport transport, IPEndPoint target)
    {
        var request = new SipRequest(SipMethods.Options, SipUri.Parse($"sip:agent1@127.0.0.1:{target.Port}"));
        request.Headers.Add(SipHeaderNames.Via, SipTransactionLayer.CreateVia(transport).ToString());
        request.Headers.Add(SipHeaderNames.MaxForwards, "70");
        request.Headers.Add(SipHeaderNames.From, "<sip:probe@127.0.0.1>;tag=p1");
        request.Headers.Add(SipHeaderNames.To, "<sip:agent1@127.0.0.1>");
        request.Headers.Add(SipHeaderNames.CallId, $"{Guid.NewGuid():N}@127.0.0.1");
        request.CSeq = new SipCSeq(1, SipMethods.Options);
        return request;
    }

    [Fact]
    public async Task Udp_transports_exchange_a_datagram()
    {
        await using var sender = new SipUdpTransport(AnyLoopbackPort);
        await using var receiver = new SipUdpTransport(AnyLoopbackPort);
        var received = new TaskCompletionSource<SipInboundPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Start(p => received.TrySetResult(p));
        sender.Start(_ => { });

        Assert.NotEqual(0, receiver.LocalEndPoint.Port);
        Assert.True(sender.Send("hello"u8.ToArray(), receiver.LocalEndPoint));

        var packet = await received.Task.WaitAsync(Guard);
        Assert.Equal("hello"u8.ToArray(), packet.Data);
        Assert.Equal(sender.LocalEndPoint, packet.Remote);
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task Options_round_trip_between_two_transaction_layers(SipTransportProtocol protocol)
    {
        await using var clientTransport = Create(protocol);
        await using var serverTransport = Create(protocol);
        var server = new AnsweringUser(SipStatusCodes.Ok);
        var serverLayer = new SipTransactionLayer(server, time: _frozenClock);
        serverLayer.AddTransport(serverTransport);
        var clientLayer = new SipTransactionLayer(new RecordingTransactionUser(), time: _frozenClock);
        clientLayer.AddTransport(clientTransport);
        var client = new AwaitingClient();

        clientLayer.SendRequest(Options(clientTransport, serverTransport.LocalEndPoint), serverTransport.LocalEndPoint, protocol, client);

        var response = await client.Final.Task.WaitAsync(Guard);
        Assert.Equal(SipStatusCodes.Ok, response.StatusCode);
        var stamped = (await server.Received.Task.WaitAsync(Guard)).Request.TopVia!;
        Assert.Equal("127.0.0.1", stamped.Received);
        Assert.NotNull(stamped.Rport);
        if (serverTransport is SipTcpTransport tcp)
        {
            // The response went back over the client's connection rather than a new one (§18.2.2).
            Assert.Equal(1, tcp.ConnectionCount);
        }
    }

    [Fact]
    public async Task Udp_response_follows_rport_to_the_real_source_port()
    {
        await using var serverTransport = new SipUdpTransport(AnyLoopbackPort);
        var serverLayer = new SipTransactionLayer(new AnsweringUser(SipStatusCodes.Ok), time: _frozenClock);
        serverLayer.AddTransport(serverTransport);
        using var phone = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        phone.Bind(AnyLoopbackPort);
        var request = TestRequests.Create(SipMethods.Options, sentBy: "10.99.99.99:5999", rport: true);

        await phone.SendToAsync(SipMessageWriter.Write(request), serverTransport.LocalEndPoint);
        var buffer = new byte[4096];
        var received = await phone.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0)).WaitAsync(Guard);

        var response = SipMessageParser.ParseResponse(buffer.AsSpan(0, received.ReceivedBytes));
        Assert.Equal(SipStatusCodes.Ok, response.StatusCode);
        Assert.Equal(((IPEndPoint)phone.LocalEndPoint!).Port, response.TopVia!.Rport);
        Assert.Equal("127.0.0.1", response.TopVia.Received);
    }

    [Fact]
    public async Task Tcp_answers_keep_alive_ping_with_pong_and_frames_split_messages()
    {
        await using var serverTransport = new SipTcpTransport(AnyLoopbackPort);
        var server = new AnsweringUser(SipStatusCodes.Ok);
        var serverLayer = new SipTransactionLayer(server, time: _frozenClock);
        serverLayer.AddTransport(serverTransport);
        using var phone = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await phone.ConnectAsync(serverTransport.LocalEndPoint);

        await phone.SendAsync("\r\n\r\n"u8.ToArray());
        var pong = new byte[2];
        Assert.Equal(2, await ReceiveExactlyAsync(phone, pong));
        Assert.Equal("\r\n"u8.ToArray(), pong);

        var bytes = SipMessageWriter.Write(TestRequests.Create(SipMethods.Options));
        await phone.SendAsync(bytes.AsMemory(0, 10));
        await phone.SendAsync(bytes.AsMemory(10));
        var transaction = await server.Received.Task.WaitAsync(Guard);
        Assert.Equal(SipMethods.Options, transaction.Request.Method);

        var framer = new SipStreamFramer();
        var buffer = new byte[4096];
        SipStreamFrame frame;
        do
        {
            var read = await phone.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Guard);
            Assert.NotEqual(0, read);
            framer.Append(buffer.AsSpan(0, read));
        }
        while (!framer.TryRead(out frame));

        Assert.Equal(SipStatusCodes.Ok, SipMessageParser.ParseResponse(frame.Message, SipFraming.Stream).StatusCode);
    }

    [Fact]
    public async Task Tcp_connection_without_content_length_is_closed()
    {
        await using var serverTransport = new SipTcpTransport(AnyLoopbackPort);
        serverTransport.Start(_ => { });
        using var phone = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await phone.ConnectAsync(serverTransport.LocalEndPoint);

        await phone.SendAsync(Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n"));

        var read = await phone.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(Guard);
        Assert.Equal(0, read);
    }

    private static ISipTransport Create(SipTransportProtocol protocol) => protocol == SipTransportProtocol.Tcp
        ? new SipTcpTransport(AnyLoopbackPort)
        : new SipUdpTransport(AnyLoopbackPort);

    private static async Task<int> ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Guard);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
