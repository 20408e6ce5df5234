using System.Net;
using System.Net.Sockets;

namespace CallCenter.Telephony.Sip.Transport;

/// <summary>
/// SIP over UDP (RFC 3261 §18): one socket bound to the given address; each datagram is one message.
/// Bind to port 0 to let the system choose; <see cref="LocalEndPoint"/> then tells the port.
/// </summary>
public sealed class SipUdpTransport : ISipTransport
{
    /// <summary>The largest UDP payload over IPv4.</summary>
    private const int MaxDatagramBytes = 65_507;

    /// <summary>
    /// Room for a burst: a few hundred calls set up at once arrive as INVITEs, ACKs and BYEs faster than one receive
    /// loop takes them when the CPU is shared, and the default (~208 KiB, ~200 datagrams) drops them, which costs the
    /// caller a 500 ms retransmission each. Linux caps the request at net.core.rmem_max.
    /// </summary>
    private const int ReceiveBufferBytes = 4 << 20;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _receiveLoop;

    public SipUdpTransport(IPEndPoint bindTo)
    {
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.ReceiveBufferSize = ReceiveBufferBytes;
        _socket.Bind(bindTo);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public SipTransportProtocol Protocol => SipTransportProtocol.Udp;

    public bool IsReliable => false;

    public IPEndPoint LocalEndPoint { get; }

    public void Start(Action<SipInboundPacket> onPacket, Action<IPEndPoint, Exception>? onError = null)
    {
        if (_receiveLoop is not null)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        _receiveLoop = Task.Run(() => ReceiveLoopAsync(onPacket, onError));
    }

    public bool Send(ReadOnlyMemory<byte> message, IPEndPoint destination)
    {
        if (message.Length > MaxDatagramBytes)
        {
            return false;
        }

        try
        {
            return _socket.SendTo(message.Span, SocketFlags.None, destination) == message.Length;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_receiveLoop is not null)
        {
            await _receiveLoop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task ReceiveLoopAsync(Action<SipInboundPacket> onPacket, Action<IPEndPoint, Exception>? onError)
    {
        var buffer = new byte[MaxDatagramBytes];
        EndPoint any = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException exception)
            {
                // e.g. an ICMP port-unreachable reported on some platforms: the socket itself is still fine.
                onError?.Invoke(LocalEndPoint, exception);
                continue;
            }

            var remote = (IPEndPoint)received.RemoteEndPoint;
            try
            {
                onPacket(new SipInboundPacket(this, remote, buffer.AsSpan(0, received.ReceivedBytes).ToArray()));
            }
            catch (Exception exception)
            {
                // A failing handler must not stop reception for every other peer.
                onError?.Invoke(remote, exception);
            }
        }
    }
}
