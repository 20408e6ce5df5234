using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Support;

/// <summary>A transport that records what is sent, stamped with the fake clock's elapsed time.</summary>
internal sealed class FakeTransport(FakeTimeProvider time, SipTransportProtocol protocol = SipTransportProtocol.Udp, int port = 5060) : ISipTransport
{
    private readonly DateTimeOffset _start = time.GetUtcNow();
    private Action<SipInboundPacket>? _onPacket;

    public sealed record Sent(TimeSpan At, SipMessage Message, IPEndPoint Destination);

    public List<Sent> SentMessages { get; } = [];

    public bool FailSends { get; set; }

    public SipTransportProtocol Protocol => protocol;

    public bool IsReliable => protocol == SipTransportProtocol.Tcp;

    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, port);

    public void Start(Action<SipInboundPacket> onPacket, Action<IPEndPoint, Exception>? onError = null) => _onPacket = onPacket;

    public bool Send(ReadOnlyMemory<byte> message, IPEndPoint destination)
    {
        if (FailSends)
        {
            return false;
        }

        SentMessages.Add(new Sent(time.GetUtcNow() - _start, SipMessageParser.Parse(message.Span, IsReliable ? SipFraming.Stream : SipFraming.Datagram), destination));
        return true;
    }

    /// <summary>Delivers a message as if it came from <paramref name="remote"/>.</summary>
    public void Inject(SipMessage message, IPEndPoint remote) =>
        _onPacket!(new SipInboundPacket(this, remote, SipMessageWriter.Write(message)));

    public void InjectBytes(byte[] bytes, IPEndPoint remote) => _onPacket!(new SipInboundPacket(this, remote, bytes));

    public IReadOnlyList<TimeSpan> SendTimes => SentMessages.Select(s => s.At).ToList();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
