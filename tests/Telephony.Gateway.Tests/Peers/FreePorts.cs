using System.Net;
using System.Net.Sockets;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>
/// Free loopback ports for peers that must be told their port up front (SIPp and baresip bind
/// their own sockets). The port is free when we return it; another process could take it before
/// the peer binds, which the peer reports as a bind error (SIPp exit code -2 / 254).
/// </summary>
public static class FreePorts
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>A port free for UDP and TCP on 127.0.0.1 (SIP listens on both).</summary>
    public static int Sip() => Take(count: 1);

    /// <summary>
    /// The first of <paramref name="count"/> consecutive free ports: baresip also opens SIP over
    /// TLS on its SIP port + 1, and SIPp's RTP echo uses -mp and the ports above it.
    /// </summary>
    public static int Consecutive(int count) => Take(count);

    private static int Take(int count)
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var first = EphemeralUdpPort();
                if (first + count > IPEndPoint.MaxPort) continue;
                var range = Enumerable.Range(first, count).ToList();
                if (range.Any(Handed.Contains) || !range.All(IsFree)) continue;
                foreach (var port in range) Handed.Add(port);
                return first;
            }
            throw new InvalidOperationException($"no {count} consecutive free ports on 127.0.0.1");
        }
    }

    private static int EphemeralUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
