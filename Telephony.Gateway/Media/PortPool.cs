using System.Net.Sockets;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// Hands out even UDP ports (RFC 3550 §11: RTP even, RTCP the odd one above) from a range, round robin so a port
/// just released is not reused at once (late packets of the old call would land in the new one). Ports taken by
/// other processes are skipped.
/// </summary>
internal sealed class PortPool
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _inUse = [];
    private readonly int _firstPort;
    private readonly int _portCount;
    private int _next;

    public PortPool(int portMin, int portMax)
    {
        _firstPort = portMin % 2 == 0 ? portMin : portMin + 1;
        _portCount = _firstPort > portMax ? 0 : ((portMax - _firstPort) / 2) + 1;
    }

    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse.Count;
            }
        }
    }

    public Socket Bind(IPAddress address)
    {
        lock (_gate)
        {
            for (var i = 0; i < _portCount; i++)
            {
                var index = (_next + i) % _portCount;
                var port = _firstPort + (index * 2);
                if (_inUse.Contains(port))
                {
                    continue;
                }

                var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    socket.Bind(new IPEndPoint(address, port));
                }
                catch (SocketException)
                {
                    // Someone else holds it; try the next one.
                    socket.Dispose();
                    continue;
                }

                _inUse.Add(port);
                _next = (index + 1) % _portCount;
                return socket;
            }
        }

        throw new MediaException($"No free even RTP port on {address} in the media port range.");
    }

    public void Release(int port)
    {
        lock (_gate)
        {
            _inUse.Remove(port);
        }
    }
}
