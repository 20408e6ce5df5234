using System.Net;

namespace CallCenter.Telephony.Sip.Transport;

public enum SipTransportProtocol
{
    Udp,
    Tcp,
}

/// <summary>Bytes that arrived on a transport, with where they came from.</summary>
public readonly record struct SipInboundPacket(ISipTransport Transport, IPEndPoint Remote, byte[] Data);

/// <summary>
/// What the transaction layer needs from a transport (RFC 3261 §18). Sending never blocks: a transport queues
/// the bytes and reports later failures through <see cref="ISipTransport.Start"/>'s error callback.
/// </summary>
public interface ISipTransport : IAsyncDisposable
{
    SipTransportProtocol Protocol { get; }

    /// <summary>Reliable transports get no retransmissions and zero-length wait timers (§17.1.1.2, §17.2.1).</summary>
    bool IsReliable { get; }

    IPEndPoint LocalEndPoint { get; }

    /// <summary>Starts receiving. Each complete message is handed to <paramref name="onPacket"/>.</summary>
    void Start(Action<SipInboundPacket> onPacket, Action<IPEndPoint, Exception>? onError = null);

    /// <summary>Queues one message for <paramref name="destination"/>; false when it cannot be sent at all.</summary>
    bool Send(ReadOnlyMemory<byte> message, IPEndPoint destination);
}

public static class SipTransportProtocols
{
    /// <summary>The Via transport token (§20.42).</summary>
    public static string ToViaToken(this SipTransportProtocol protocol) => protocol switch
    {
        SipTransportProtocol.Tcp => "TCP",
        _ => "UDP",
    };
}
